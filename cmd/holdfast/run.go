package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"holdfast/internal/config"
)

// The commands of the configuration file: run serves it, check only
// checks it, reload asks the holdfast that runs it to read it again.

const configUsage = `Usage: holdfast run [-c FILE]
       holdfast check [-c FILE]
       holdfast reload [-c FILE]

run serves what the configuration file FILE (default holdfast.yaml)
describes: listeners, their routes by host and path prefix to a static
directory, an upstream group or a redirect, and the upstream groups. Its
keys are serve's and proxy's flags, with the same defaults; docs/config.md
describes the file.

SIGHUP, or holdfast reload, reads the file again: when it is good, the
new routes and policies take over without dropping a connection (listeners
that stay keep their sockets; removed ones drain); when it is not, each
error is logged and the running configuration stays. SIGINT or SIGTERM
makes /ready answer 503, waits drain-delay, drains and exits.

check reads FILE and reports every error with its file:line:column, and
exits 1 if there is one; it starts nothing.

reload checks FILE the same way, then sends SIGHUP to the process whose
ID is in the file's pid-file; without a pid-file, send SIGHUP yourself
(systemctl reload, or kill with signal HUP).

Flags:
  -c FILE, --config FILE   the configuration file (default holdfast.yaml)
`

func configFlags(path *string) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(path, "c", "holdfast.yaml", "the configuration `FILE`")
	fs.StringVar(path, "config", "holdfast.yaml", "the configuration `FILE` (same as -c)")
	return fs
}

func printConfigUsage(w io.Writer) { fmt.Fprint(w, configUsage) }

// parseConfigArgs reads the command line of run, check and reload.
func parseConfigArgs(args []string) (string, error) {
	var path string
	rest, err := parseArgs(configFlags(&path), args)
	switch {
	case err != nil:
		return "", err
	case len(rest) > 0:
		return "", fmt.Errorf("unexpected argument %q (the file is given with -c)", rest[0])
	}
	return path, nil
}

// configErrors prints each error of a file on a line of its own.
func configErrors(name string, err error, stderr io.Writer) int {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(stderr, "holdfast %s: %s\n", name, line)
	}
	return exitFailure
}

// readConfig reads the command line of run, check or reload, and the
// file it names; when either is wrong it says so and returns a nil plan
// and the exit code.
func readConfig(name string, args []string, stdout, stderr io.Writer) (*plan, string, int) {
	path, err := parseConfigArgs(args)
	if err != nil {
		return nil, path, usageError(name, printConfigUsage, err, stdout, stderr)
	}
	p, err := loadPlan(path)
	if err != nil {
		return nil, path, configErrors(name, err, stderr)
	}
	return p, path, exitOK
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	p, path, code := readConfig("check", args, stdout, stderr)
	if p == nil {
		return code
	}
	routes := 0
	for _, l := range p.file.Listeners {
		routes += len(l.Routes)
	}
	fmt.Fprintf(stdout, "%s: ok (%s, %s, %s)\n", path, count(len(p.listeners), "listener"), count(routes, "route"), count(len(p.groups), "upstream group"))
	return exitOK
}

func runRun(args []string, stdout, stderr io.Writer) int {
	p, path, code := readConfig("run", args, stdout, stderr)
	if p == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := runSite(ctx, path, p, hup, stderr); err != nil {
		return runError("run", err, stderr)
	}
	return exitOK
}

// runSite runs the plan until ctx ends, reloading the file at path at
// each value of reload, then drains.
func runSite(ctx context.Context, path string, p *plan, reload <-chan os.Signal, log io.Writer) error {
	s, err := startSite(p, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "holdfast: running %s (pid %d; SIGHUP or holdfast reload reads it again)\n", path, os.Getpid())
	for {
		select {
		case <-reload:
			s.reloadLogged(path)
		case <-ctx.Done():
			if err := s.stop(); err != nil {
				return err
			}
			fmt.Fprintln(log, "holdfast: stopped")
			return nil
		}
	}
}

// reloadLogged reloads, and logs what happened: a line for a reload, an
// error for each problem of a refused one.
func (s *site) reloadLogged(path string) {
	began := time.Now()
	res, err := s.reload(path)
	if err == nil {
		fmt.Fprintln(s.log, reloadLine(path, res, time.Since(began)))
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		s.logs.errors.Error("reload refused; the running configuration stays", "err", line)
	}
}

func runReload(args []string, stdout, stderr io.Writer) int {
	p, path, code := readConfig("reload", args, stdout, stderr)
	if p == nil {
		return code
	}
	pid, err := runningPID(p.file)
	if err == nil {
		err = signalReload(pid)
	}
	if err != nil {
		return runError("reload", err, stderr)
	}
	fmt.Fprintf(stdout, "holdfast reload: %s is good; sent SIGHUP to %d (its log says what it did)\n", path, pid)
	return exitOK
}

// runningPID reads the process ID in the file's pid-file.
func runningPID(f *config.File) (int, error) {
	if f.PIDFile == "" {
		return 0, fmt.Errorf("%s has no pid-file; send SIGHUP to holdfast run yourself (kill -HUP PID, systemctl reload)", f.Path)
	}
	data, err := os.ReadFile(f.PIDFile)
	if err != nil {
		return 0, fmt.Errorf("pid-file: %w (is holdfast run running?)", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, errors.New("pid-file " + f.PIDFile + ": not a process ID")
	}
	return pid, nil
}

// count is n things, in words: "1 route", "2 routes".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
