package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Client names, in the default order.
const (
	cHoldfast = "holdfast"
	cNetHTTP  = "nethttp"
	cFastHTTP = "fasthttp"
)

var allClients = []string{cHoldfast, cNetHTTP, cFastHTTP}

// config is everything the flags set.
type config struct {
	rounds    int
	duration  time.Duration // measured window of each run
	warmup    time.Duration // before the window: connections dialed, caches warm
	callers   int
	clients   []string
	fresh     bool // a new request per call instead of one reused per caller
	serverCPU string
	clientCPU string
	quietWait time.Duration
	pprof     string // client to CPU-profile in an extra, unreported run
	out       string

	raceReport   bool
	raceRounds   int
	raceRequests int
	raceCallers  int
	raceIdle     time.Duration

	// The child process's own flags.
	child      bool
	client     string
	url        string
	serverPID  int
	cpuprofile string

	args []string
}

func parseFlags(args []string) (config, error) {
	c := config{args: args}
	fs := flag.NewFlagSet("clientbench", flag.ContinueOnError)
	fs.IntVar(&c.rounds, "rounds", 5, "rounds; every client runs once per round, the order rotating")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "measured window of each run")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "load before the window, not measured")
	fs.IntVar(&c.callers, "callers", 64, "concurrent goroutines doing GETs")
	clients := fs.String("clients", strings.Join(allClients, ","), "clients to run: holdfast, nethttp, fasthttp")
	fs.BoolVar(&c.fresh, "fresh-requests", false, "build a new request for every call (default: one per caller, reused)")
	fs.StringVar(&c.serverCPU, "server-cpu", "0", "CPU list for nginx (taskset -c)")
	fs.StringVar(&c.clientCPU, "client-cpu", "1", "CPU list for the client process (taskset -c)")
	fs.DurationVar(&c.quietWait, "quiet-wait", 10*time.Second, "before each run, wait up to this long for the machine to go quiet")
	fs.StringVar(&c.pprof, "pprof", "", "client to CPU-profile during one extra, unreported run")
	fs.StringVar(&c.out, "out", "", "results directory (default: results/ in the compare module)")
	fs.BoolVar(&c.raceReport, "race-report", false, "run the reuse-race report instead of the throughput benchmark")
	fs.IntVar(&c.raceRounds, "race-rounds", 3, "rounds of the reuse-race report")
	fs.IntVar(&c.raceRequests, "race-requests", 2000, "requests per transport, server and round in the reuse-race report")
	fs.IntVar(&c.raceCallers, "race-callers", 32, "concurrent callers in the reuse-race report")
	fs.DurationVar(&c.raceIdle, "race-idle", 300*time.Millisecond, "the servers' idle timeout in the reuse-race report")
	fs.BoolVar(&c.child, "child", false, "internal: be the measured client process")
	fs.StringVar(&c.client, "client", "", "internal: the child's client")
	fs.StringVar(&c.url, "url", "", "internal: the child's target URL")
	fs.IntVar(&c.serverPID, "server-pid", 0, "internal: the server's PID, for its CPU time")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "internal: write the child's CPU profile of the window here")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var err error
	if c.clients, err = parseClients(*clients); err != nil {
		return c, err
	}
	return c, c.check()
}

func parseClients(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case !slices.Contains(allClients, f):
			return nil, fmt.Errorf("unknown client %q (want holdfast, nethttp or fasthttp)", f)
		case slices.Contains(out, f):
			return nil, fmt.Errorf("client %q listed twice", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, errors.New("-clients is empty")
	}
	return out, nil
}

func (c config) check() error {
	switch {
	case c.rounds < 1 || c.raceRounds < 1:
		return errors.New("-rounds and -race-rounds must be >= 1")
	case c.duration < 100*time.Millisecond:
		return errors.New("-duration must be at least 100ms (CPU time is counted in 10 ms ticks)")
	case c.warmup < 0:
		return errors.New("-warmup must not be negative")
	case c.callers < 1 || c.raceCallers < 1 || c.raceRequests < 1:
		return errors.New("-callers, -race-callers and -race-requests must be >= 1")
	case c.raceIdle <= 0:
		return errors.New("-race-idle must be positive")
	case c.pprof != "" && !slices.Contains(c.clients, c.pprof):
		return fmt.Errorf("-pprof %q is not one of -clients", c.pprof)
	case c.child && (c.client == "" || c.url == ""):
		return errors.New("-child needs -client and -url")
	case c.child && !slices.Contains(allClients, c.client):
		return fmt.Errorf("unknown client %q", c.client)
	}
	return nil
}

// childArgv is the child's command line after the program name.
func (c config) childArgv(client, url string, serverPID int, cpuprofile string) []string {
	argv := []string{"-child", "-client", client, "-url", url,
		"-callers", fmt.Sprint(c.callers), "-duration", c.duration.String(), "-warmup", c.warmup.String(),
		"-server-pid", fmt.Sprint(serverPID)}
	if c.fresh {
		argv = append(argv, "-fresh-requests")
	}
	if cpuprofile != "" {
		argv = append(argv, "-cpuprofile", cpuprofile)
	}
	return argv
}
