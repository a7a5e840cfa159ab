package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"holdfast/probe"
)

const probeUsage = `Usage: holdfast probe [flags] URL

Audits how an HTTP/1.x server (http://, or https:// with HTTP/1.1 over TLS)
keeps connections:
persistence for HTTP/1.0 and HTTP/1.1 with and without Connection options,
the idle timeout and the requests-per-connection cap it advertises against
what it does, pipelining, and how long it waits for a slow request head.
The probes run in parallel: an audit takes about as long as the server's
longest timeout, at most --max-wait. Flags may come before or after URL.

  --max-wait DURATION   longest idle or slow-head wait to try (default 2m0s)
  --max-requests N      most requests to send on one connection (default 1000)
  --timeout DURATION    limit for each connect and each response (default 10s)
  --insecure            https://: do not check the server's certificate (self-signed)
  --json                print the result as JSON on stdout

A DURATION is a Go duration (30s, 2m, 250ms) or a number of seconds.
Exit status: 0 when the audit completed, 1 when it could not run (nothing
listens, the server does not speak HTTP/1.x), 2 for a bad command line.
`

func runProbe(args []string, stdout, stderr io.Writer) int {
	var cfg probe.Config
	var asJSON bool
	url, err := parseURL(probeFlagSet(&cfg, &asJSON), args)
	if err != nil {
		return usageError("probe", printText(probeUsage), err, stdout, stderr)
	}
	cfg.URL = url
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if !asJSON {
		fmt.Fprintf(stdout, "probing %s (up to %v) ...\n", url, cfg.MaxWait)
	}
	rep, err := probe.Run(ctx, cfg)
	switch {
	case errors.Is(err, probe.ErrBadURL):
		return usageError("probe", printText(probeUsage), err, stdout, stderr)
	case err != nil:
		return runError("probe", err, stderr)
	}
	if asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return runError("probe", err, stderr)
		}
		return exitOK
	}
	probe.WriteText(stdout, rep)
	return exitOK
}

func probeFlagSet(cfg *probe.Config, asJSON *bool) *flag.FlagSet {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	positiveDurationVar(fs, &cfg.MaxWait, "max-wait", probe.DefaultMaxWait, "")
	numberVar(fs, &cfg.MaxRequests, "max-requests", probe.DefaultMaxRequests, 1, "")
	positiveDurationVar(fs, &cfg.Timeout, "timeout", probe.DefaultTimeout, "")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "")
	fs.BoolVar(asJSON, "json", false, "")
	return fs
}
