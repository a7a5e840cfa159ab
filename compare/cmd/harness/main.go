// Command harness benchmarks holdfast side by side with its peers (net/http,
// fasthttp, nbio, nginx) on one machine and writes a Markdown and JSON report
// to results/.
//
//	cd compare && go run ./cmd/harness -rounds 3
//	go run ./cmd/harness -duration 2s -rounds 1 -scenarios a   # smoke, < 1 min
//
// Every run starts a fresh server pinned to one CPU (GOMAXPROCS=1 for Go)
// and drives it from a client pinned to the other, then divides work done by
// the server's own CPU time, so a server is not rewarded for burning more of
// the machine. See ../../README.md for the scenarios and choices.
package main

import (
	"fmt"
	"os"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(1)
	}
}
