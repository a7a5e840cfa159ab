// Command proxybench measures reverse proxies, holdfast's beside nginx,
// HAProxy, Caddy and httputil.ReverseProxy, in the two ways the harness's
// throughput scenarios (pa, pc) do not:
//
//	cd compare && go run ./cmd/proxybench -race-report   # the reuse race through each proxy, ~6 min
//	go run ./cmd/proxybench -reuse-ratio                  # short clients, upstream connection reuse, ~1 min
//
// -race-report sends the loop of holdfast/proxy's
// TestReuseRaceThroughTheProxy (testrig.BurstRace) through each proxy:
// the upstream (net/http's server, then nginx) closes connections idle
// for 300 ms behind a relay adding 10–25 ms each way, and clients send
// bursts of GETs and PUTs spaced around that timeout. It counts the
// requests that failed.
//
// -reuse-ratio sends HTTP/1.0 short clients (holdfast bench --http1.0
// --no-keepalive) through holdfast proxy with two event loops and through
// nginx with two workers, and counts at the upstream the connections
// each proxy opened for the requests it passed on.
//
// Both print a Markdown report and write it to results/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"holdfast/compare/internal/proxypeer"
)

// config is what the flags set.
type config struct {
	raceReport, reuseRatio bool
	proxies                []proxypeer.Peer
	raceRequests           int
	raceBurst              int
	raceIdle               time.Duration
	rounds                 int
	ratioDuration          time.Duration
	ratioConnections       int
	out                    string
	args                   []string
}

func parseFlags(args []string) (config, error) {
	c := config{args: args}
	fs := flag.NewFlagSet("proxybench", flag.ContinueOnError)
	fs.BoolVar(&c.raceReport, "race-report", false, "run the reuse race through each proxy")
	fs.BoolVar(&c.reuseRatio, "reuse-ratio", false, "measure upstream connection reuse under HTTP/1.0 short clients")
	list := fs.String("proxies", "nginx,haproxy,caddy,httputil,holdfast:goroutine,holdfast:epoll", "proxies of the race report")
	fs.IntVar(&c.raceRequests, "race-requests", 2000, "requests per race run")
	fs.IntVar(&c.raceBurst, "race-burst", 32, "requests sent at once in the race")
	fs.DurationVar(&c.raceIdle, "race-idle", 300*time.Millisecond, "the race upstream's idle timeout")
	fs.IntVar(&c.rounds, "rounds", 1, "rounds of each run")
	fs.DurationVar(&c.ratioDuration, "ratio-duration", 10*time.Second, "length of each reuse-ratio run")
	fs.IntVar(&c.ratioConnections, "ratio-connections", 64, "concurrent short clients in the reuse-ratio runs")
	fs.StringVar(&c.out, "out", "", "results directory (default: results/ in the compare module)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var err error
	if c.proxies, err = proxypeer.Parse(*list); err != nil {
		return c, err
	}
	switch {
	case c.raceReport == c.reuseRatio:
		return c, fmt.Errorf("give one of -race-report and -reuse-ratio")
	case c.raceRequests < 1 || c.raceBurst < 1 || c.rounds < 1 || c.ratioConnections < 1:
		return c, fmt.Errorf("counts must be at least 1")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "proxybench: %v\n", err)
		os.Exit(2)
	}
	// SIGINT or SIGTERM ends the run, and the proxies and upstreams it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.raceReport {
		err = runRaceReport(ctx, cfg)
	} else {
		err = runReuseRatio(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "proxybench: %v\n", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "proxybench: "+format+"\n", args...)
}
