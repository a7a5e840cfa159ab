package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"holdfast/bench"
)

const benchUsage = `Usage: holdfast bench [flags] URL

Load-tests an HTTP/1.x server (http://, or https:// with HTTP/1.1 over TLS)
over persistent or short connections and reports throughput, latency
percentiles, connections opened and failed requests; over TLS, the TLS
handshakes apart from the TCP connects. Flags may come before or after URL.

  -c N              concurrent connections (default 10)
  -d DURATION       how long to run (default 10s)
  -n N              send exactly N requests instead of running for -d
  --rate R          fixed arrival rate in requests/s over all connections;
                    latency is then counted from each request's intended send time
  -m METHOD         request method (default GET)
  -H 'Name: value'  add a request header (repeatable)
  --body DATA       request body; @FILE reads it from FILE
  --no-keepalive    open a new TCP connection for every request
  --http1.0         send HTTP/1.0, with Connection: keep-alive unless --no-keepalive
  --pipeline N      write N requests at once on each connection (keep-alive only)
  --timeout DURATION
                    limit for each connect and each request (default 10s)
  --compare         run with keep-alive, then with short connections, and compare
                    (https://: short connections with, then without, session resumption)
  --insecure        https://: do not check the server's certificate (self-signed)
  --no-resume       https://: a full TLS handshake on every connection (default:
                    resume the session, as browsers do)
  --json            print the result as JSON on stdout
  --html FILE       also write a self-contained HTML report to FILE
  --fail-on-error   exit with status 1 when any request failed

A DURATION is a Go duration (30s, 2m, 250ms) or a number of seconds.
Requests a server did not answer because it announced that it was closing
the connection (Connection: close on an earlier response) are sent again
on a new connection; other failed requests are counted by kind.
Exit status: 0 when the run completed, even with failed requests (unless
--fail-on-error); 1 when it could not run (nothing listens, the server does
not speak HTTP/1.x); 2 for a bad command line.
`

// benchFlags are the parsed command line.
type benchFlags struct {
	cfg         bench.Config
	body        string
	compare     bool
	json        bool
	html        string
	failOnError bool
}

func parseBenchFlags(args []string) (*benchFlags, error) {
	f := &benchFlags{}
	url, err := parseURL(benchFlagSet(f), args)
	if err != nil {
		return nil, err
	}
	f.cfg.URL = url
	if f.cfg.Body, err = readBody(f.body); err != nil {
		return nil, err
	}
	return f, nil
}

func benchFlagSet(f *benchFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	numberVar(fs, &f.cfg.Connections, "c", 10, 1, "")
	positiveDurationVar(fs, &f.cfg.Duration, "d", bench.DefaultDuration, "")
	numberVar(fs, &f.cfg.Requests, "n", 0, 0, "")
	numberVar(fs, &f.cfg.Rate, "rate", 0, 0, "")
	fs.StringVar(&f.cfg.Method, "m", "GET", "")
	fs.Var((*listValue)(&f.cfg.Headers), "H", "")
	fs.StringVar(&f.body, "body", "", "")
	fs.BoolVar(&f.cfg.NoKeepAlive, "no-keepalive", false, "")
	fs.BoolVar(&f.cfg.HTTP10, "http1.0", false, "")
	numberVar(fs, &f.cfg.Pipeline, "pipeline", 1, 1, "")
	positiveDurationVar(fs, &f.cfg.Timeout, "timeout", bench.DefaultTimeout, "")
	fs.BoolVar(&f.compare, "compare", false, "")
	fs.BoolVar(&f.cfg.Insecure, "insecure", false, "")
	fs.BoolVar(&f.cfg.NoResume, "no-resume", false, "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.StringVar(&f.html, "html", "", "")
	fs.BoolVar(&f.failOnError, "fail-on-error", false, "")
	return fs
}

func readBody(s string) ([]byte, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--body: %w", err)
		}
		return b, nil
	}
	return []byte(s), nil
}

func runBench(args []string, stdout, stderr io.Writer) int {
	f, err := parseBenchFlags(args)
	if err != nil {
		return usageError("bench", printText(benchUsage), err, stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	progressOut := stdout
	if f.json {
		progressOut = stderr // stdout is for the JSON alone
	}
	results, err := benchMain(ctx, f, stdout, progressOut)
	switch {
	case isBenchUsage(err):
		return usageError("bench", printText(benchUsage), err, stdout, stderr)
	case err != nil:
		return runError("bench", err, stderr)
	}
	if failed := failedRequests(results); failed > 0 && f.failOnError {
		fmt.Fprintf(stderr, "holdfast bench: %d requests failed (--fail-on-error)\n", failed)
		return exitFailure
	}
	return exitOK
}

// isBenchUsage tells the errors bench.Run finds in its Config, before
// any request, from failures of the run.
func isBenchUsage(err error) bool {
	for _, e := range []error{bench.ErrBadURL, bench.ErrBadConfig, bench.ErrBadHeader} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func failedRequests(results []*bench.Result) int64 {
	var n int64
	for _, r := range results {
		n += r.ErrorCount()
	}
	return n
}

// benchMain runs the benchmark, or the comparison, and writes its reports;
// it returns the runs' results.
func benchMain(ctx context.Context, f *benchFlags, stdout, progressOut io.Writer) ([]*bench.Result, error) {
	pl := newProgressLine(progressOut)
	f.cfg.Progress = pl.show
	var results []*bench.Result
	var report any
	if f.compare {
		c, err := bench.Compare(ctx, f.cfg, func(run bench.Config) {
			pl.end()
			switch {
			case run.NoKeepAlive && run.NoResume:
				pl.label = "short, full TLS  "
			case run.NoKeepAlive:
				pl.label = "short            "
			default:
				pl.label = "keep-alive       "
			}
		})
		if err != nil {
			return nil, err
		}
		results, report = []*bench.Result{c.KeepAlive, c.Short}, c
		if c.ShortFull != nil {
			results = append(results, c.ShortFull)
		}
	} else {
		r, err := bench.Run(ctx, f.cfg)
		if err != nil {
			return nil, err
		}
		results, report = []*bench.Result{r}, r
	}
	pl.end()
	if err := writeBenchReport(stdout, f, report); err != nil {
		return nil, err
	}
	if f.html != "" {
		if err := writeHTMLFile(f.html, results); err != nil {
			return nil, err
		}
	}
	return results, nil
}

func writeBenchReport(w io.Writer, f *benchFlags, report any) error {
	if f.json {
		return writeJSON(w, report)
	}
	switch r := report.(type) {
	case *bench.Comparison:
		bench.WriteCompareText(w, r)
	case *bench.Result:
		bench.WriteText(w, r)
	}
	return nil
}

func writeHTMLFile(name string, results []*bench.Result) error {
	file, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := bench.WriteHTML(file, results...); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// progressLine shows bench.Progress: rewritten in place on a terminal,
// one plain line per report otherwise (logs, pipes, CI).
type progressLine struct {
	w        io.Writer
	terminal bool
	label    string
	shown    bool // a line is on the terminal, not yet ended
}

func newProgressLine(w io.Writer) *progressLine {
	return &progressLine{w: w, terminal: isTerminal(w)}
}

func (p *progressLine) show(pr bench.Progress) {
	line := bench.ProgressLine(p.label, pr)
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s", line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// end finishes a line left open on a terminal.
func (p *progressLine) end() {
	if p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
