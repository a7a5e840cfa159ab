// Command clientbench measures HTTP clients, not servers: requests per
// second through holdfast/client.Transport, net/http's Transport (both behind an
// http.Client) and fasthttp's HostClient, each driven by 64 goroutines
// doing GETs against one nginx.
//
//	cd compare && go run ./cmd/clientbench -rounds 5
//	go run ./cmd/clientbench -rounds 1 -duration 2s      # smoke, ~15 s
//	go run ./cmd/clientbench -race-report                # the reuse-race report
//
// nginx (one process, one worker, keepalive_requests 100000, access_log
// off, return 200 "Hello, World!") runs pinned to CPU 0. Every measured
// run is a fresh child process of this program, started under
// `taskset -c 1` with GOMAXPROCS=1, so each client has exactly one core and
// the server another. The child warms up (connections dialed), then counts
// requests, its own CPU time (/proc/self/stat), its allocations
// (runtime.MemStats) and nginx's and the machine's CPU over a fixed window,
// and prints the numbers as JSON. The clients take turns, in an order that
// rotates every round; the report gives medians with min–max, and each
// client's req/s divided by net/http's in the same round.
//
// -race-report runs the reuse-race loop instead (see race.go).
package main

import (
	"fmt"
	"os"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "clientbench: %v\n", err)
		os.Exit(2)
	}
	switch {
	case cfg.child:
		err = runChild(cfg, os.Stdout)
	case cfg.raceReport:
		err = runRaceReport(cfg)
	default:
		err = runBench(cfg)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "clientbench: %v\n", err)
		os.Exit(1)
	}
}
