package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/crowd"
	"holdfast/compare/internal/procstat"
)

// benchResult is the part of `holdfast bench --json` the report uses.
type benchResult struct {
	Requests int64   `json:"requests"`
	RPS      float64 `json:"requests_per_second"`
	Latency  struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_ms"`
	Failed int64            `json:"errors_total"`
	Errors map[string]int64 `json:"errors"`
}

// bench runs holdfast bench at the well-behaved load's rate for d, with
// conns connections and the extra flags; it runs on this program's CPU.
func (e *env) bench(ctx context.Context, url string, d time.Duration, conns, rate int, extra ...string) (benchResult, error) {
	args := append([]string{"bench", "-c", strconv.Itoa(conns), "--rate", strconv.Itoa(rate), "-d", d.String(), "--json"}, extra...)
	cmd := exec.CommandContext(ctx, e.holdfast, append(args, url)...)
	cmd.Stderr = nil
	out, err := cmd.Output()
	var r benchResult
	if err != nil {
		return r, fmt.Errorf("holdfast bench: %w", err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("holdfast bench's output: %w", err)
	}
	return r, nil
}

// point is one sample of a server under load.
type point struct {
	at         time.Duration // since the sampler started
	rssKiB     int64
	cpuTicks   uint64
	threads    int64
	open       int64 // the server's open connections (holdfast's /stats); -1 unknown
	goroutines int64 // holdfast's go_goroutines; -1 unknown
	held       int64 // the crowds' open connections, from the client side
}

// sampler reads a server's figures from outside it.
type sampler struct {
	s      *server
	crowds []*crowd.Crowd
	start  time.Time
	proc   procstat.Proc
}

func newSampler(s *server, crowds ...*crowd.Crowd) *sampler {
	return &sampler{s: s, crowds: crowds, start: time.Now()}
}

func (sm *sampler) take() point {
	pid := sm.s.proc.PID
	p := point{at: time.Since(sm.start), open: -1, goroutines: sm.s.goroutines(), threads: -1}
	p.rssKiB, _ = sm.proc.RSSKiB(pid)
	p.cpuTicks, _ = sm.proc.CPUTicks(pid)
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		p.threads = statusField(string(status), "Threads")
	}
	if st, err := sm.s.stats(); err == nil {
		p.open = st.Open
	}
	for _, c := range sm.crowds {
		p.held += c.Open()
	}
	return p
}

// every takes a sample now and every d until ctx ends, handing each to f;
// the channel closes when it has stopped.
func (sm *sampler) every(ctx context.Context, d time.Duration, f func(point)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			f(sm.take())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}

// statusField is the number after "name:" in /proc/PID/status; -1 if absent.
func statusField(status, name string) int64 {
	for line := range strings.Lines(status) {
		v, ok := strings.CutPrefix(line, name+":")
		if f := strings.Fields(v); ok && len(f) > 0 {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// closesSince is the growth of each close reason between two /stats.
func closesSince(before, after adminStats) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after.Closed {
		if d := v - before.Closed[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// cpuWatch measures, over a phase, the server's CPU share and what the
// other processes used of the server's CPU: a latency measured while
// something else ran there says little.
type cpuWatch struct {
	proc           procstat.Proc
	pid, cpu       int // cpu: -1 when the server is not pinned to one CPU
	server0, busy0 uint64
	start          time.Time
}

func (e *env) watchCPU(s *server) cpuWatch {
	w := cpuWatch{pid: s.proc.PID, cpu: -1, start: time.Now()}
	if n, err := strconv.Atoi(e.cfg.serverCPU); err == nil {
		w.cpu = n
		w.busy0, _ = w.proc.CPUBusy(n)
	}
	w.server0, _ = w.proc.CPUTicks(w.pid)
	return w
}

// shares are the server's CPU and the others' CPU on its core since the
// watch began, as shares of one core; others is -1 if unknown.
func (w cpuWatch) shares() (server, others float64) {
	secs := time.Since(w.start).Seconds()
	ticks, _ := w.proc.CPUTicks(w.pid)
	server = float64(ticks-w.server0) / procstat.TicksPerSecond / secs
	others = -1
	if w.cpu >= 0 {
		if busy, err := w.proc.CPUBusy(w.cpu); err == nil {
			others = max(float64(busy-w.busy0)/procstat.TicksPerSecond/secs-server, 0)
		}
	}
	return server, others
}

// waitQuiet holds off, up to -quiet-wait, until the machine is quiet.
func (e *env) waitQuiet() {
	var proc procstat.Proc
	proc.WaitQuiet(0.1, e.cfg.quietWait, func(busy float64) {
		fmt.Fprintf(os.Stderr, "overload: machine busy (%.0f%% of a core used); waiting up to %v\n", 100*busy, e.cfg.quietWait)
	})
}
