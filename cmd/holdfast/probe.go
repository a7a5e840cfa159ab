package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"holdfast/probe"
)

const probeUsage = `Usage: holdfast probe [flags] URL

Audits how an HTTP/1.x server keeps connections: persistence for HTTP/1.0
and HTTP/1.1 with and without Connection options, the idle timeout and the
requests-per-connection cap it advertises against what it does, pipelining,
and how long it waits for a slow request head. The probes run in parallel:
an audit takes about as long as the server's longest timeout, at most
--max-wait.

  --max-wait D        longest idle or slow-head wait to try (default 2m)
  --max-requests N    most requests to send on one connection (default 1000)
  --timeout D         limit for each connect and each response (default 10s)
  --json              print the result as JSON on stdout
`

func runProbe(args []string, stdout, stderr io.Writer) int {
	var cfg probe.Config
	var asJSON bool
	fs := flag.NewFlagSet("holdfast probe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var((*secondsFlag)(&cfg.MaxWait), "max-wait", "")
	fs.IntVar(&cfg.MaxRequests, "max-requests", probe.DefaultMaxRequests, "")
	fs.Var((*secondsFlag)(&cfg.Timeout), "timeout", "")
	fs.BoolVar(&asJSON, "json", false, "")
	url, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError("probe", probeUsage, err, stdout, stderr)
	}
	cfg.URL = url
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if !asJSON {
		fmt.Fprintf(stdout, "probing %s (up to %v) ...\n", url, maxWaitOf(cfg))
	}
	rep, err := probe.Run(ctx, cfg)
	if err != nil {
		return runError("probe", err, stderr)
	}
	if asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return runError("probe", err, stderr)
		}
		return 0
	}
	probe.WriteText(stdout, rep)
	return 0
}

func maxWaitOf(cfg probe.Config) any {
	if cfg.MaxWait > 0 {
		return cfg.MaxWait
	}
	return probe.DefaultMaxWait
}
