package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/proxypeer"
)

// config is everything the flags set; nothing else changes a run.
type config struct {
	rounds       int
	duration     time.Duration // per wrk run
	connections  int
	threads      int
	depth        int // requests per write in (b)
	scenarios    []string
	servers      []server
	proxies      []proxypeer.Peer // rows of the proxy scenarios
	idleN        []int
	idleFor      time.Duration
	nofile       int
	serverCPU    string
	clientCPU    string
	perf         string // server name to perf-record during an extra (a) run
	pprof        string // Go server name to CPU-profile during an extra (a) run
	out          string // results directory; default <module>/results
	quietWait    time.Duration
	baselinePeer string // another build of cmd/peer, run as server "baseline"
	args         []string
}

func parseFlags(args []string) (config, error) {
	c := config{args: args}
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.IntVar(&c.rounds, "rounds", 3, "rounds; every server runs every scenario once per round")
	fs.DurationVar(&c.duration, "duration", 8*time.Second, "length of each wrk run (whole seconds)")
	fs.IntVar(&c.connections, "connections", 64, "wrk connections")
	fs.IntVar(&c.threads, "threads", 1, "wrk threads (wrk has one CPU)")
	fs.IntVar(&c.depth, "pipeline", 16, "requests per write in scenario b")
	scen := fs.String("scenarios", "a,b,c,d,pa,pc", "scenarios to run: a keep-alive, b pipelined, c close, d idle connections, pa and pc the same as a and c through a reverse proxy; "+
		"over TLS: e keep-alive, f new connections with full handshakes, g with resumed sessions, h idle connections")
	srvs := fs.String("servers", "nethttp,fasthttp,nbio,nginx,holdfast:goroutine,holdfast:epoll", "servers; holdfast:ENGINE picks a holdfast engine (auto, goroutine, epoll)")
	proxies := fs.String("proxies", "nginx,haproxy,caddy,httputil,holdfast:goroutine,holdfast:epoll", "reverse proxies for scenarios pa and pc; holdfast:ENGINE picks holdfast proxy's engine")
	idleN := fs.String("idle-n", "10000,19000", "connection counts for scenario d")
	fs.DurationVar(&c.idleFor, "idle-for", 10*time.Second, "how long connections sit idle in scenario d")
	fs.IntVar(&c.nofile, "nofile", 20000, "open-file limit given to each server (prlimit)")
	fs.StringVar(&c.serverCPU, "server-cpu", "0", "CPU list for the server (taskset -c)")
	fs.StringVar(&c.clientCPU, "client-cpu", "1", "CPU list for wrk and idleconns (taskset -c)")
	fs.StringVar(&c.perf, "perf", "", "server to `perf record -g` during an extra, unreported run of scenario a")
	fs.StringVar(&c.pprof, "pprof", "", "Go server to CPU-profile (net/http/pprof) during an extra, unreported run of scenario a")
	fs.DurationVar(&c.quietWait, "quiet-wait", 3*time.Second, "before each run, wait up to this long for other processes to go quiet")
	fs.StringVar(&c.baselinePeer, "baseline-peer", "", "a cmd/peer binary built from another commit (cd compare && go build -o FILE ./cmd/peer there); servers baseline:ENGINE run its holdfast, for before-and-after ratios in one run")
	fs.StringVar(&c.out, "out", "", "results directory (default: results/ in the compare module)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var err1, err2, err3, err4 error
	c.scenarios, err1 = parseScenarios(*scen)
	c.servers, err2 = parseServers(*srvs)
	c.idleN = mustInts(*idleN, &err3)
	c.proxies, err4 = proxypeer.Parse(*proxies)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return c, err
	}
	return c, c.check()
}

func (c config) check() error {
	switch {
	case c.rounds < 1:
		return errors.New("-rounds must be >= 1")
	case c.duration < time.Second || c.duration%time.Second != 0:
		return errors.New("-duration must be whole seconds (wrk takes no finer unit)")
	case len(c.servers) == 0:
		return errors.New("-servers is empty")
	case c.threads < 1 || c.connections < c.threads:
		return errors.New("-connections must be >= -threads >= 1")
	}
	for _, s := range c.servers {
		if s.Kind == "baseline" && c.baselinePeer == "" {
			return errors.New("server baseline needs -baseline-peer")
		}
	}
	return nil
}

func parseScenarios(s string) ([]string, error) {
	var out []string
	for _, f := range splitList(s) {
		if (!strings.Contains("abcdefgh", f) || len(f) != 1) && f != "pa" && f != "pc" {
			return nil, fmt.Errorf("unknown scenario %q (want a to h, pa or pc)", f)
		}
		out = append(out, f)
	}
	return out, nil
}

func mustInts(s string, errp *error) []int {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			*errp = errors.Join(*errp, fmt.Errorf("bad number %q", f))
			continue
		}
		out = append(out, n)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
