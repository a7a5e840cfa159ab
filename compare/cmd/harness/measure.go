package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/idle"
	"holdfast/compare/internal/procstat"
	"holdfast/compare/internal/wrk"
)

// sample is one run's numbers by metric key, plus anything a reader must
// know about it (errors that did not stop the run).
type sample struct {
	vals  map[string]float64
	flags []string
}

// runWrk runs wrk on the client CPU and reads the server's CPU time just
// before and just after, so the divisor is the server's own work for exactly
// this load, connection setup and teardown included. Machine-wide CPU is
// read too: what neither the server nor wrk (nor the processes of the
// run named by ours, a proxy's upstream) used was some other process,
// which on a shared machine makes the run suspect.
func (h *harness) runWrk(r *running, sc scenario, ours ...int) (sample, error) {
	args := append([]string{"-c", h.cfg.clientCPU, "wrk"}, wrk.Args(sc.wrk(r.Addr))...)
	before, err := h.snap(r.PID)
	if err != nil {
		return sample{}, err
	}
	oursBefore := h.ticksOf(ours)
	start := time.Now()
	stopScraper := startScraper(r.Admin)
	cmd := exec.Command("taskset", args...)
	out, runErr := cmd.CombinedOutput()
	elapsed := time.Since(start).Seconds()
	scrapes := stopScraper()
	after, err := h.snap(r.PID)
	if err != nil {
		return sample{}, fmt.Errorf("server gone after wrk: %w", err)
	}
	res, err := wrk.Parse(string(out))
	if err != nil {
		return sample{}, fmt.Errorf("wrk (%v): %v: %s", runErr, err, lastLines(out, 3))
	}
	serverSec := ticksToSec(after.server - before.server)
	wrkSec := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	oursSec := ticksToSec(h.ticksOf(ours) - oursBefore)
	otherSec := ticksToSec(after.system-before.system) - serverSec - wrkSec - oursSec
	smp := wrkSample(res, serverSec, max(otherSec, 0), elapsed)
	if r.Admin != "" && scrapes.failed > 0 {
		smp.flags = append(smp.flags, fmt.Sprintf("%d of %d /metrics scrapes failed: %v", scrapes.failed, scrapes.total, scrapes.lastErr))
	}
	return smp, nil
}

// cpuSnap is CPU ticks at one instant: the server's tree and the machine's.
type cpuSnap struct{ server, system uint64 }

func (h *harness) snap(pid int) (cpuSnap, error) {
	srv, err := h.proc.CPUTicks(pid)
	if err != nil {
		return cpuSnap{}, err
	}
	sys, err := h.proc.SystemBusy()
	return cpuSnap{srv, sys}, err
}

// ticksOf sums the CPU ticks of pids (gone ones count nothing).
func (h *harness) ticksOf(pids []int) uint64 {
	var sum uint64
	for _, pid := range pids {
		t, _ := h.proc.CPUTicks(pid)
		sum += t
	}
	return sum
}

func ticksToSec(t uint64) float64 { return float64(t) / procstat.TicksPerSecond }

// busyOther is the share of one core that other processes may use during a
// run before it is flagged.
const busyOther = 0.10

func wrkSample(res wrk.Result, cpuSec, otherSec, elapsed float64) sample {
	s := sample{vals: map[string]float64{
		mRPS: res.RequestsSec, mP50: res.P50, mP99: res.P99,
		mCPU: 100 * cpuSec / elapsed, mOther: 100 * otherSec / elapsed,
	}}
	if cpuSec > 0 { // a zero divisor means the run was too short to measure
		s.vals[mPerCPU] = float64(res.Requests) / cpuSec
	}
	if otherSec/elapsed > busyOther {
		s.flags = append(s.flags, fmt.Sprintf("machine busy: other processes used %.0f%% of a core", 100*otherSec/elapsed))
	}
	if e := res.Errors; e.Total() > 0 {
		s.flags = append(s.flags, fmt.Sprintf("socket errors: connect %d, read %d, write %d, timeout %d",
			e.Connect, e.Read, e.Write, e.Timeout))
	}
	if res.Non2xx3xx > 0 {
		s.flags = append(s.flags, fmt.Sprintf("%d non-2xx/3xx responses", res.Non2xx3xx))
	}
	return s
}

// runIdle runs cmd/idleconns in its own process on the client CPU, with
// the same open-file limit as the server.
func (h *harness) runIdle(r *running, n int) (sample, error) {
	args := []string{fmt.Sprintf("--nofile=%d:%d", h.cfg.nofile, h.cfg.nofile),
		"taskset", "-c", h.cfg.clientCPU, h.idleBin,
		"-addr", r.Addr, "-pid", strconv.Itoa(r.PID), "-n", strconv.Itoa(n), "-idle", h.cfg.idleFor.String()}
	if r.TLS {
		args = append(args, "-tls")
	}
	cmd := exec.Command("prlimit", args...)
	if r.TLS {
		cmd.Env = append(os.Environ(), classicKeyExchange)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return sample{}, fmt.Errorf("idleconns: %v: %s", err, lastLines(errb.Bytes(), 3))
	}
	var res idle.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return sample{}, fmt.Errorf("idleconns output %q: %w", lastLines(out, 1), err)
	}
	return idleSample(res), nil
}

func idleSample(res idle.Result) sample {
	s := sample{vals: map[string]float64{
		mIdleCPU: res.IdleCPUms,
		mHeld:    float64(res.Opened - res.ClosedByServer),
	}}
	if res.Opened > 0 {
		s.vals[mRSSConn] = res.RSSPerConnKiB
	}
	if res.Failed > 0 {
		s.flags = append(s.flags, fmt.Sprintf("%d of %d connections failed to open (first: %s)", res.Failed, res.N, res.FirstError))
	}
	if res.ClosedByServer > 0 {
		s.flags = append(s.flags, fmt.Sprintf("%d connections closed by the server while idle", res.ClosedByServer))
	}
	return s
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
