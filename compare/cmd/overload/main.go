// Command overload puts servers under hostile and long loads — holdfast
// serve (each engine) and nginx side by side, in one run — and reports how
// the clients that behave fare meanwhile, and what each server spends.
//
//	overload -scenarios slowloris -servers holdfast:epoll,holdfast:goroutine,nginx -duration 60s -attackers 4000
//	overload -scenarios soak -servers holdfast:epoll -soak-duration 10m
//
// Scenarios:
//   - slowloris: a baseline phase (the well-behaved load alone), then an
//     attack phase (the same load beside -attackers connections that send
//     a request head one line at a time and are replaced as the server
//     closes them). It reports the good load's p99 in both phases and their
//     ratio, the slow connections held at the peak, the server's memory
//     growth per slow connection, and how and when the slow connections
//     ended.
//   - slowbody: slowhttptest -B beside the well-behaved load.
//   - soak: -soak-conns connections at once, churned for -soak-duration: idle
//     keep-alive clients that close and reconnect, slow-header clients,
//     connection-per-request clients and a keep-alive load; the server's
//     memory and goroutines every -soak-every.
//
// Each server runs in a fresh process per scenario, pinned to -server-cpu;
// this program and its load generators run on -client-cpu. The report is
// printed and written to -out as <stamp>-overload.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config is what the flags set.
type config struct {
	scenarios     []string
	servers       []target
	duration      time.Duration // each phase of slowloris; slowbody's length
	attackers     int           // slow connections held at once
	rate          int           // new slow connections per second at most
	slowInterval  time.Duration // between the header lines of a slow connection
	good          int           // holdfast bench -c
	goodRate      int           // holdfast bench --rate
	headerTimeout time.Duration // holdfast --header-timeout, nginx client_header_timeout
	idleTimeout   time.Duration // holdfast --idle-timeout, nginx keepalive_timeout
	serveFlags    []string      // more flags for holdfast serve
	noFile        int           // the server's open-file limit
	serverCPU     string
	clientCPU     string
	sources       string // the crowds' source addresses
	quietWait     time.Duration
	soak          soakConfig
	out           string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(2)
	}
	if err := pinSelf(cfg.clientCPU); err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(1)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("overload", flag.ContinueOnError)
	var scenarios, servers, serveFlags string
	fs.StringVar(&scenarios, "scenarios", "slowloris,soak", "comma-separated: slowloris, slowbody, soak")
	fs.StringVar(&servers, "servers", "holdfast:epoll,holdfast:goroutine,nginx", "comma-separated: holdfast[:ENGINE], nginx")
	fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "slowloris: length of each phase (baseline, attack); slowbody: length")
	fs.IntVar(&cfg.attackers, "attackers", 4000, "slow connections held at once")
	fs.IntVar(&cfg.rate, "rate", 1000, "new slow connections per second at most")
	fs.DurationVar(&cfg.slowInterval, "slow-interval", 5*time.Second, "time between the header lines of a slow connection")
	fs.IntVar(&cfg.good, "good", 32, "connections of the well-behaved load (holdfast bench -c)")
	fs.IntVar(&cfg.goodRate, "good-rate", 2000, "requests per second of the well-behaved load (holdfast bench --rate)")
	fs.DurationVar(&cfg.headerTimeout, "header-timeout", 20*time.Second, "holdfast --header-timeout and nginx client_header_timeout")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", 75*time.Second, "holdfast --idle-timeout and nginx keepalive_timeout")
	fs.StringVar(&serveFlags, "serve-flags", "", "more flags for holdfast serve, e.g. '--max-conns 4000 --min-body-rate 1000'")
	fs.IntVar(&cfg.noFile, "nofile", 20000, "the server's open-file limit (prlimit --nofile)")
	fs.StringVar(&cfg.serverCPU, "server-cpu", "0", "taskset -c CPU list of the server")
	fs.StringVar(&cfg.clientCPU, "client-cpu", "1", "taskset -c CPU list of this program and its load generators ('' : not pinned)")
	fs.StringVar(&cfg.sources, "sources", "127.0.0.2-127.0.0.250", "source addresses of the slow and idle connections")
	fs.IntVar(&cfg.soak.conns, "soak-conns", 19000, "soak: connections open at once, over all its clients")
	fs.IntVar(&cfg.soak.slow, "soak-slow", 2000, "soak: of them, slow-header connections")
	fs.IntVar(&cfg.soak.shortRate, "soak-short-rate", 200, "soak: connection-per-request clients' requests per second")
	fs.DurationVar(&cfg.soak.duration, "soak-duration", 10*time.Minute, "soak: length")
	fs.DurationVar(&cfg.soak.every, "soak-every", 10*time.Second, "soak: time between samples")
	fs.DurationVar(&cfg.soak.warmUp, "soak-warmup", 2*time.Minute, "soak: samples before this are the warm-up")
	fs.DurationVar(&cfg.soak.lifetime, "soak-lifetime", time.Minute, "soak: an idle keep-alive client closes after 0.5–1.5 × this and reconnects")
	fs.DurationVar(&cfg.soak.requestEvery, "soak-request-every", 15*time.Second, "soak: an idle keep-alive client's time between requests (±50%)")
	fs.DurationVar(&cfg.quietWait, "quiet-wait", 5*time.Second, "before each measured phase, wait up to this long until other processes use under 10% of a core")
	fs.StringVar(&cfg.out, "out", "results", "directory of the report")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.scenarios = strings.Split(scenarios, ",")
	for _, s := range cfg.scenarios {
		if s != "slowloris" && s != "slowbody" && s != "soak" {
			return cfg, fmt.Errorf("unknown scenario %q (want slowloris, slowbody or soak)", s)
		}
	}
	var err error
	if cfg.servers, err = parseTargets(servers); err != nil {
		return cfg, err
	}
	cfg.serveFlags = strings.Fields(serveFlags)
	return cfg, cfg.soak.check(cfg.good)
}

func run(cfg config) error {
	dir, err := os.MkdirTemp("", "overload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, err := prepare(cfg, dir)
	if err != nil {
		return err
	}
	rep := newReport(cfg)
	for _, name := range cfg.scenarios {
		for _, t := range cfg.servers {
			fmt.Fprintf(os.Stderr, "overload: %s on %s\n", name, t.name)
			if err := env.runScenario(name, t, rep); err != nil {
				return fmt.Errorf("%s on %s: %w", name, t.name, err)
			}
		}
	}
	text := rep.markdown()
	fmt.Print(text)
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(cfg.out, rep.start.UTC().Format("2006-01-02-150405")+"-overload.md")
	fmt.Fprintln(os.Stderr, "overload: report written to", path)
	return os.WriteFile(path, []byte(text), 0o644)
}
