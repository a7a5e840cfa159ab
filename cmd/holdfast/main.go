// Command holdfast serves HTTP/1.x on persistent connections and measures
// how servers keep them.
//
//	holdfast [serve] [flags] [DIR]   serve DIR (or, without DIR, a built-in demo)
//	holdfast proxy [flags] --upstream URL ...   a reverse proxy to the upstreams
//	holdfast run [-c FILE]           serve what a configuration file describes
//	holdfast check [-c FILE]         check a configuration file, start nothing
//	holdfast reload [-c FILE]        make the running holdfast read it again
//	holdfast bench [flags] URL       load-test short vs long connections
//	holdfast probe [flags] URL       audit a server's keep-alive behaviour
//	holdfast version                 print the version of this binary
//
// Exit status: 0 on success, 1 when the work failed, 2 for a command line
// that cannot be run as written.
//
// This package is flags and wiring only; the work is done by the holdfast
// package and the proxy, bench and probe packages; the configuration
// file is read by internal/config.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// A command is one word of the command line's first position.
type command struct {
	run   func(args []string, stdout, stderr io.Writer) int // returns the exit code
	usage func(w io.Writer)                                 // what --help prints
}

var commands = map[string]command{
	"serve":   {runServe, printServeUsage},
	"proxy":   {runProxy, printProxyUsage},
	"run":     {runRun, printConfigUsage},
	"check":   {runCheck, printConfigUsage},
	"reload":  {runReload, printConfigUsage},
	"bench":   {runBench, printText(benchUsage)},
	"probe":   {runProbe, printText(probeUsage)},
	"version": {runVersion, printText(versionUsage)},
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line cannot be run as written
)

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the command args name. The first argument is a command
// when it is one of the commands' names; otherwise the arguments are
// serve's: flags, or a directory. A word that is neither a command nor an
// existing path, and does not look like one, is taken for a mistyped
// command. A directory named like a command is served with
// "holdfast serve NAME" or "holdfast ./NAME".
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runServe(nil, stdout, stderr)
	}
	first := args[0]
	switch first {
	case "help", "-h", "-help", "--help":
		return runHelp(args[1:], stdout, stderr)
	case "-version", "--version":
		return runVersion(args[1:], stdout, stderr)
	}
	if cmd, ok := commands[first]; ok {
		return cmd.run(args[1:], stdout, stderr)
	}
	if strings.HasPrefix(first, "-") || looksLikePath(first) {
		return runServe(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "holdfast: unknown command %q, and no directory of that name (commands: %s; see holdfast --help)\n",
		first, commandList)
	return exitUsage
}

// looksLikePath reports whether a bare word is meant as serve's DIR: it
// exists, or it is written as a path.
func looksLikePath(arg string) bool {
	if _, err := os.Stat(arg); err == nil {
		return true
	}
	return strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, os.PathSeparator) || strings.HasPrefix(arg, ".")
}

// commandList names the commands for a message.
const commandList = "serve, proxy, run, check, reload, bench, probe, version"

// runHelp prints the overview, or with a command's name that command's
// usage.
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		printUsage(stdout)
		fmt.Fprintln(stdout)
		printServeUsage(stdout)
		return exitOK
	case 1:
		if cmd, ok := commands[args[0]]; ok {
			cmd.usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "holdfast help: unknown command %q (commands: %s)\n", args[0], commandList)
		return exitUsage
	}
	fmt.Fprintln(stderr, "holdfast help: one command at most (see holdfast --help)")
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `holdfast: an HTTP/1.x server for persistent (keep-alive) connections,
and tools that measure how servers keep them.

Usage:
  holdfast [serve] [flags] [DIR]   serve DIR, or without DIR the built-in demo
  holdfast proxy [flags] --upstream URL ...
                                   a reverse proxy to the upstreams
  holdfast run [-c FILE]           serve what the configuration file describes
  holdfast check [-c FILE]         check the file: every error with its line
  holdfast reload [-c FILE]        the running holdfast reads the file again
  holdfast bench [flags] URL       short vs long connections, measured
  holdfast probe [flags] URL       what keep-alive behaviour a server really has
  holdfast version                 the version of this binary (also --version)

Flags may come before or after the other arguments. A DURATION is a Go
duration (90s, 1m30s, 250ms) or a number of seconds (90, 0.5).
Exit status: 0 on success, 1 when the work failed, 2 for a bad command line.
Run "holdfast help COMMAND" or "holdfast COMMAND --help" for a command's flags.
`)
}

func printText(text string) func(io.Writer) {
	return func(w io.Writer) { fmt.Fprint(w, text) }
}

// usageError answers a command line that cannot be run as written:
// --help prints the command's usage and exits 0, anything else is one
// line on stderr and exit code 2.
func usageError(name string, usage func(io.Writer), err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "holdfast %s: %s (see holdfast %s --help)\n", name, trimPackage(name, err), name)
	return exitUsage
}

// runError reports a failed run as one line on stderr, exit code 1.
func runError(name string, err error, stderr io.Writer) int {
	fmt.Fprintf(stderr, "holdfast %s: %s\n", name, trimPackage(name, err))
	return exitFailure
}

// trimPackage drops the "bench: " or "probe: " that the packages' errors
// start with: the line names the command already.
func trimPackage(name string, err error) string {
	return strings.TrimPrefix(err.Error(), name+": ")
}
