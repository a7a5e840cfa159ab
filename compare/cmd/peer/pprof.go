package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

// startPprof serves the profiler on a side port. It uses DefaultServeMux,
// which no peer's main handler uses, so profiling never changes the
// measured listener.
func startPprof(addr string) {
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			fmt.Fprintf(os.Stderr, "peer: pprof: %v\n", err)
		}
	}()
}
