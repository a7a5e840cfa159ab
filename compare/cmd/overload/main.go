// Command overload puts holdfast serve under hostile and long loads and
// reports how the clients that behave fare meanwhile, and what the server
// spends.
//
//	overload -scenarios slowloris,slowbody,soak -duration 60s -serve-flags '--max-conns 4000 --min-body-rate 1000'
//
// Each scenario starts holdfast serve (built from ../cmd/holdfast) with its
// admin listener, runs the scenario's attacker — slowhttptest in slow
// headers (-H, slowloris) or slow body (-B) mode; none for the soak —
// together with `holdfast bench` as the well-behaved load, samples the
// server's CPU time and resident memory (/proc) and its open connections
// (admin /stats) every second, and prints one Markdown table: the good
// load's requests per second, failures and p99 latency, the server's CPU
// share, peak memory and connections, and its closes by reason.
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
	scenarios  []string
	duration   time.Duration
	attackers  int    // slowhttptest -c
	rate       int    // slowhttptest -r: new attacking connections per second
	good       int    // holdfast bench -c
	engine     string // holdfast serve --engine
	serveFlags []string
	noFile     int // prlimit --nofile for the server; 0: the inherited limit
}

func main() {
	var cfg config
	var scenarios, serveFlags string
	flag.StringVar(&scenarios, "scenarios", "slowloris,slowbody,soak", "comma-separated: slowloris, slowbody, soak")
	flag.DurationVar(&cfg.duration, "duration", 60*time.Second, "length of each scenario")
	flag.IntVar(&cfg.attackers, "attackers", 4000, "slow connections slowhttptest aims to hold")
	flag.IntVar(&cfg.rate, "rate", 400, "new slow connections per second")
	flag.IntVar(&cfg.good, "good", 32, "connections of the well-behaved load (holdfast bench -c)")
	flag.StringVar(&cfg.engine, "engine", "auto", "holdfast serve --engine")
	flag.StringVar(&serveFlags, "serve-flags", "", "more flags for holdfast serve, e.g. '--max-conns 4000 --min-body-rate 1000 --header-timeout 5s'")
	flag.IntVar(&cfg.noFile, "nofile", 0, "run the server under prlimit --nofile=N (0: inherited limit)")
	flag.Parse()
	cfg.scenarios = strings.Split(scenarios, ",")
	cfg.serveFlags = strings.Fields(serveFlags)
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	dir, err := os.MkdirTemp("", "overload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "holdfast")
	if err := buildHoldfast(bin); err != nil {
		return err
	}
	fmt.Printf("# holdfast under overload\n\n`%s`, %s per scenario, engine %s, server flags `%s`\n\n",
		strings.Join(os.Args, " "), cfg.duration, cfg.engine, strings.Join(cfg.serveFlags, " "))
	fmt.Println("| scenario | good req/s | good failed | good p99 ms | server CPU % | peak RSS MiB | peak open conns | closes by reason |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, name := range cfg.scenarios {
		res, err := runScenario(cfg, bin, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Println(res.row(name))
	}
	return nil
}
