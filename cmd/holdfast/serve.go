package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"holdfast"
	"holdfast/demo"
)

// serveConfig is what the serve flags set: the front side's, and the
// directory.
type serveConfig struct {
	frontConfig
	dir string
}

func serveFlags(cfg *serveConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	frontFlags(fs, &cfg.frontConfig)
	return fs
}

func printServeUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: holdfast [serve] [flags] [DIR]

Serves the files in DIR, or without DIR a built-in demo page whose 32
sub-resources ride a few kept-alive connections (try it with --no-keepalive),
over HTTPS with --tls-self-signed (one HTTP/2 connection; --no-h2 for HTTP/1.1).
SIGINT or SIGTERM drains in-flight requests and exits. Flags may come
before or after DIR; a DURATION is a Go duration (90s, 1m30s, 250ms) or a
number of seconds.

Flags:
`)
	printFlags(w, serveFlags(&serveConfig{}))
}

func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServeArgs(args)
	if err != nil {
		return usageError("serve", printServeUsage, err, stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, stderr); err != nil {
		return runError("serve", err, stderr)
	}
	return exitOK
}

// parseServeArgs reads serve's command line and checks what can be
// checked before serving: the engine's name, the logs' format and level,
// and the directory.
func parseServeArgs(args []string) (*serveConfig, error) {
	cfg := &serveConfig{}
	rest, err := parseArgs(serveFlags(cfg), args)
	if err != nil {
		return nil, err
	}
	switch len(rest) {
	case 0:
	case 1:
		cfg.dir = rest[0]
		if st, err := os.Stat(cfg.dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%q is not a directory", cfg.dir)
		}
	default:
		return nil, fmt.Errorf("one directory at most, got %q", rest)
	}
	return cfg, cfg.check()
}

// serve runs the server until ctx ends, then drains it.
func serve(ctx context.Context, cfg *serveConfig, log io.Writer) error {
	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	what := "the demo site"
	if cfg.dir != "" {
		what = cfg.dir
	}
	return runFront(ctx, &cfg.frontConfig, srv, frontRun{what: what, adminWhat: "live page at /, /metrics, /stats, /connections"}, log)
}

func newServer(cfg *serveConfig) (*holdfast.Server, error) {
	var h http.Handler
	if cfg.dir != "" {
		h = http.FileServer(http.Dir(cfg.dir))
	} else {
		h = demo.New(demo.Config{
			ConnID:           func(r *http.Request) (uint64, bool) { return holdfast.ConnIDFromContext(r.Context()) },
			ShortConnections: cfg.noKeepAlive,
		})
	}
	return newFrontServer(&cfg.frontConfig, h)
}
