package idle

import (
	"fmt"
	"net"
	"syscall"
	"time"

	"holdfast/compare/internal/procstat"
)

// Run opens the connections and takes the measurements in order: warm-up,
// memory before, open, settle, memory after, then CPU over the idle window,
// then a check that the server kept every connection.
//
// The warm-up serves c.Warm connections once and closes them before the
// baseline, so that what a server does once (faulting in the code that
// answers a request, filling its buffer pools) is not counted as the cost of
// the connections that stay.
func Run(c Config) (Result, error) {
	r := Result{N: c.N}
	srcs, err := ParseSources(c.Sources)
	if err != nil {
		return r, err
	}
	if r.ClientNoFile, err = raiseNoFile(); err != nil {
		return r, err
	}
	if err := warmUp(c, srcs); err != nil {
		return r, err
	}
	var proc procstat.Proc
	if r.RSSBeforeKiB, err = proc.RSSKiB(c.PID); err != nil {
		return r, fmt.Errorf("server pid %d: %w", c.PID, err)
	}
	r.FDsBefore, _ = proc.FDs(c.PID)

	start := time.Now()
	conns, failed, firstErr := openAll(c, srcs)
	defer closeAll(conns)
	r.OpenSeconds = time.Since(start).Seconds()
	r.Opened, r.Failed = len(conns), failed
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}

	time.Sleep(c.Settle)
	if r.RSSAfterKiB, err = proc.RSSKiB(c.PID); err != nil {
		return r, fmt.Errorf("server died while connections opened: %w", err)
	}
	r.FDsAfter, _ = proc.FDs(c.PID)
	if r.Opened > 0 {
		r.RSSPerConnKiB = float64(r.RSSAfterKiB-r.RSSBeforeKiB) / float64(r.Opened)
	}
	if err := measureIdle(c, proc, &r); err != nil {
		return r, err
	}
	r.ClosedByServer = countClosed(conns, c.Concurrency)
	return r, nil
}

// warmUp opens c.Warm connections, a request on each, and closes them.
func warmUp(c Config, srcs []net.IP) error {
	if c.Warm <= 0 {
		return nil
	}
	w := c
	w.N = c.Warm
	conns, _, err := openAll(w, srcs)
	closeAll(conns)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	time.Sleep(200 * time.Millisecond) // let the server finish closing them
	return nil
}

func measureIdle(c Config, proc procstat.Proc, r *Result) error {
	t0, err := proc.CPUTicks(c.PID)
	if err != nil {
		return err
	}
	start := time.Now()
	time.Sleep(c.Idle)
	t1, err := proc.CPUTicks(c.PID)
	if err != nil {
		return fmt.Errorf("server died while idle: %w", err)
	}
	r.IdleSeconds = time.Since(start).Seconds()
	r.IdleCPUTicks = t1 - t0
	r.IdleCPUms = float64(r.IdleCPUTicks) * 1000 / procstat.TicksPerSecond
	return nil
}

// raiseNoFile lifts this process's open-file soft limit to its hard limit:
// 19,000 connections do not fit in the usual soft limit of 1,024.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
	}
	return lim.Cur, nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
