package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"holdfast"
	"holdfast/admin"
	"holdfast/demo"
)

// serveConfig is what the serve flags set.
type serveConfig struct {
	listen, admin, accessLog, engine string
	drainTimeout                     time.Duration
	noKeepAlive, noAdvertise         bool
	noTCPKeepAlive, classicTCP       bool
	policy                           holdfast.Policy
	maxBody                          int64
	dir                              string

	tlsCert, tlsKey     string // serve_tls.go
	tlsSelfSigned, noH2 bool
}

func serveFlags(cfg *serveConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	p := &cfg.policy
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "`ADDR` to serve on (host:port; port 0 picks a free one)")
	fs.StringVar(&cfg.admin, "admin", "", "`ADDR` of the admin listener (/stats, /connections, live page at /); off unless given")
	fs.StringVar(&cfg.accessLog, "access-log", "", "write an access log line per request to `FILE` (- for standard output)")
	fs.StringVar(&cfg.engine, "engine", "auto", "connection `ENGINE`: auto, goroutine or epoll (Linux)")
	durationVar(fs, &p.IdleTimeout, "idle-timeout", holdfast.DefaultIdleTimeout, "hold time of an idle keep-alive connection (0: no limit)")
	durationVar(fs, &p.HeaderTimeout, "header-timeout", holdfast.DefaultHeaderTimeout, "a started request head must complete within this, else 408 (0: no limit)")
	durationVar(fs, &p.BodyTimeout, "body-timeout", holdfast.DefaultBodyTimeout, "longest wait for the next bytes of a request body (0: no limit)")
	durationVar(fs, &p.SendTimeout, "send-timeout", holdfast.DefaultSendTimeout, "longest write to a client that is not reading (0: no limit)")
	numberVar(fs, &p.MaxRequests, "max-requests", holdfast.DefaultMaxRequests, 0, "requests per connection; the last response says Connection: close (0: no limit)")
	durationVar(fs, &p.MaxAge, "max-age", holdfast.DefaultMaxAge, "age after which a connection closes at its next response (0: no limit)")
	numberVar(fs, &p.DrainLimit, "drain-limit", holdfast.DefaultDrainLimit, 0, "`BYTES` of a request body left unread by the handler that are read to keep the connection (0: close instead)")
	numberVar(fs, &cfg.maxBody, "max-body", 0, 0, "largest request body accepted in `BYTES`, else 413 (0: no limit)")
	fs.BoolVar(&cfg.noKeepAlive, "no-keepalive", false, "short connections: every response closes its connection")
	fs.BoolVar(&cfg.noAdvertise, "no-keepalive-header", false, "do not send Keep-Alive: timeout=, max= hints")
	fs.BoolVar(&cfg.noTCPKeepAlive, "no-tcp-keepalive", false, "do not send TCP keepalive probes")
	positiveDurationVar(fs, &p.TCPKeepAliveIdle, "tcp-keepalive-idle", holdfast.DefaultTCPKeepAliveIdle, "quiet time before the first TCP keepalive probe")
	positiveDurationVar(fs, &p.TCPKeepAliveInterval, "tcp-keepalive-interval", holdfast.DefaultTCPKeepAliveInterval, "time between unanswered TCP keepalive probes")
	numberVar(fs, &p.TCPKeepAliveCount, "tcp-keepalive-count", holdfast.DefaultTCPKeepAliveCount, 1, "unanswered probes before the peer is declared dead")
	durationVar(fs, &p.TCPUserTimeout, "tcp-user-timeout", 0, "longest time sent data may stay unacknowledged, Linux (0: idle + interval × count)")
	fs.BoolVar(&cfg.classicTCP, "classic-tcp-keepalive", false, "classic TCP keepalive: first probe after 2h, then every 75s, 10 probes, no user timeout")
	positiveDurationVar(fs, &cfg.drainTimeout, "drain-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight requests may take to finish")
	tlsFlags(fs, cfg)
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
	var cfg serveConfig
	serveFlags(&cfg).VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if v, ok := f.Value.(interface{ argName() string }); ok && !strings.Contains(f.Usage, "`") {
			name = v.argName()
		}
		arg := "--" + f.Name
		if name != "" {
			arg += " " + strings.ToUpper(name)
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-34s %s%s\n", arg, usage, def)
	})
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
// checked before serving: the engine's name and the directory.
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
	if _, err := holdfast.ParseEngine(cfg.engine); err != nil {
		return nil, fmt.Errorf("--engine %s: want auto, goroutine or epoll", cfg.engine)
	}
	if err := checkTLSFlags(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// serve runs the server until ctx ends, then drains it.
func serve(ctx context.Context, cfg *serveConfig, log io.Writer) error {
	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	if err := setupTLS(cfg, srv, log); err != nil {
		return err
	}
	if cfg.accessLog != "" {
		closeLog, err := openAccessLog(srv, cfg.accessLog)
		if err != nil {
			return err
		}
		defer closeLog()
	}
	l, err := holdfast.Listen(cfg.listen)
	if err != nil {
		return err
	}
	var adminSrv *holdfast.Server
	if cfg.admin != "" {
		if adminSrv, err = startAdmin(cfg.admin, srv, log); err != nil {
			l.Close()
			return err
		}
	}
	what := "the demo site"
	if cfg.dir != "" {
		what = cfg.dir
	}
	fmt.Fprintf(log, "holdfast: serving %s on %s://%s (engine %s, %s, keep-alive %s)\n",
		what, cfg.scheme(), l.Addr(), srv.Engine.Resolved(), protocolSummary(cfg), keepAliveSummary(cfg))

	errc := make(chan error, 1)
	go func() { errc <- serveListener(cfg, srv, l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(log, "holdfast: draining connections")
	dctx, cancel := context.WithTimeout(context.Background(), cfg.drainTimeout)
	defer cancel()
	err = srv.Shutdown(dctx)
	if adminSrv != nil {
		adminSrv.Close()
	}
	<-errc
	if err != nil {
		srv.Close()
		return fmt.Errorf("drain: %w", err)
	}
	fmt.Fprintln(log, "holdfast: stopped")
	return nil
}

func newServer(cfg *serveConfig) (*holdfast.Server, error) {
	engine, err := holdfast.ParseEngine(cfg.engine)
	if err != nil {
		return nil, err // parseServeArgs has checked it
	}
	p := cfg.policy
	// On the command line 0 means "no limit" (for the drain limit: read
	// nothing); in a Policy that is negative, and zero is the default.
	for _, d := range []*time.Duration{&p.IdleTimeout, &p.HeaderTimeout, &p.BodyTimeout, &p.SendTimeout, &p.MaxAge, &p.HandshakeTimeout} {
		if *d == 0 {
			*d = -1
		}
	}
	if p.MaxRequests == 0 {
		p.MaxRequests = -1
	}
	if p.DrainLimit == 0 {
		p.DrainLimit = -1
	}
	if cfg.noKeepAlive {
		p.KeepAlive = holdfast.Off
	}
	if cfg.noAdvertise {
		p.AdvertiseKeepAlive = holdfast.Off
	}
	if cfg.classicTCP {
		p = p.ClassicTCPKeepAlive()
	}
	if cfg.noTCPKeepAlive {
		p.TCPKeepAlive = holdfast.Off
	}
	var h http.Handler
	if cfg.dir != "" {
		h = http.FileServer(http.Dir(cfg.dir))
	} else {
		h = demo.New(demo.Config{
			ConnID:           func(r *http.Request) (uint64, bool) { return holdfast.ConnIDFromContext(r.Context()) },
			ShortConnections: cfg.noKeepAlive,
		})
	}
	return &holdfast.Server{Handler: h, Policy: p, Engine: engine, MaxBodyBytes: cfg.maxBody}, nil
}

func keepAliveSummary(cfg *serveConfig) string {
	if cfg.noKeepAlive {
		return "off"
	}
	p := cfg.policy
	requests := "no request limit"
	if p.MaxRequests > 0 {
		requests = fmt.Sprintf("%d requests", p.MaxRequests)
	}
	return fmt.Sprintf("idle %s, %s, max age %s", limitText(p.IdleTimeout), requests, limitText(p.MaxAge))
}

// limitText shows a duration flag's value, 0 being "no limit".
func limitText(d time.Duration) string {
	if d == 0 {
		return "no limit"
	}
	return d.String()
}

func openAccessLog(srv *holdfast.Server, path string) (func(), error) {
	if path == "-" {
		srv.AccessLog = os.Stdout
		return func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	srv.AccessLog = f
	return func() { f.Close() }, nil
}

func startAdmin(addr string, srv *holdfast.Server, log io.Writer) (*holdfast.Server, error) {
	l, err := holdfast.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("--admin: %w", err)
	}
	a := &holdfast.Server{Handler: admin.Handler(srv)}
	go a.Serve(l)
	fmt.Fprintf(log, "holdfast: admin on http://%s (/stats, /connections, live page at /)\n", l.Addr())
	return a, nil
}
