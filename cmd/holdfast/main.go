// Command holdfast serves HTTP/1.x on persistent connections and measures
// how servers keep them.
//
//	holdfast [serve] [flags] [DIR]   serve DIR (or, without DIR, a built-in demo)
//	holdfast bench [flags] URL       load-test short vs long connections
//	holdfast probe [flags] URL       audit a server's keep-alive behaviour
//
// This package is flags and wiring only; the work is done by the holdfast
// package and the bench and probe packages.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// commands maps a subcommand to its entry point, which returns the exit code.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"serve": runServe,
	"bench": runBench,
	"probe": runProbe,
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			usage(stdout)
			fmt.Fprintln(stdout)
			var cfg serveConfig
			serveUsage(serveFlags(&cfg), stdout)
			return 0
		}
		if run, ok := commands[args[0]]; ok {
			return run(args[1:], stdout, stderr)
		}
		if !strings.HasPrefix(args[0], "-") {
			// "holdfast DIR" serves DIR.
			return runServe(args, stdout, stderr)
		}
	}
	return runServe(args, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `holdfast: an HTTP/1.x server, client and proxy for persistent connections.

Usage:
  holdfast [serve] [flags] [DIR]   serve DIR, or without DIR the built-in demo
  holdfast bench [flags] URL       short vs long connections, measured
  holdfast probe [flags] URL       what keep-alive behaviour a server really has

Run "holdfast COMMAND --help" for a command's flags.
`)
}
