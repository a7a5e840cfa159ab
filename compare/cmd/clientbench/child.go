package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"holdfast/compare/internal/procstat"
)

// childResult is what one measured run prints: counts over the window.
type childResult struct {
	Client      string  `json:"client"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	NumCPU      int     `json:"num_cpu"` // CPUs in the process's affinity mask
	Callers     int     `json:"callers"`
	Seconds     float64 `json:"seconds"` // the window's wall time
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	CPUTicks    uint64  `json:"cpu_ticks"`    // this process, utime+stime
	ServerTicks uint64  `json:"server_ticks"` // the server's tree
	SystemTicks uint64  `json:"system_ticks"` // the whole machine, busy
	Mallocs     uint64  `json:"mallocs"`
	Bytes       uint64  `json:"bytes"`  // TotalAlloc
	Reads       uint64  `json:"reads"`  // read(2) calls, /proc/self/io syscr
	Writes      uint64  `json:"writes"` // write(2) calls, syscw
	Pool        string  `json:"pool,omitempty"`
}

// snapshot is the counters at one instant.
type snapshot struct {
	at                  time.Time
	requests, errors    int64
	cpu, server, system uint64
	mallocs, bytes      uint64
	reads, writes       uint64
}

// loadState is shared by the callers and the measuring goroutine.
type loadState struct {
	stop     atomic.Bool
	requests atomic.Int64
	errors   atomic.Int64
	firstErr atomic.Pointer[string]
}

// runChild is the measured process: callers goroutines loop on GETs while
// the main goroutine warms up, then snapshots the counters around the
// window.
func runChild(cfg config, out io.Writer) error {
	cl, err := newClient(cfg.client, cfg.url, cfg.callers, cfg.fresh)
	if err != nil {
		return err
	}
	var st loadState
	var wg sync.WaitGroup
	for i := 0; i < cfg.callers; i++ {
		call := cl.newCaller()
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.loop(call)
		}()
	}
	time.Sleep(cfg.warmup)
	proc := procstat.Proc{}
	s0, err := take(proc, &st, cfg.serverPID, true)
	if err != nil {
		return err
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	time.Sleep(cfg.duration)
	s1, err := take(proc, &st, cfg.serverPID, false)
	if cfg.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	st.stop.Store(true)
	if !waitTimeout(&wg, 10*time.Second) {
		return errors.New("callers did not stop within 10s")
	}
	res := result(cfg, s0, s1)
	res.Pool = cl.stats()
	if p := st.firstErr.Load(); p != nil {
		res.FirstError = *p
	}
	cl.closeIdle()
	return json.NewEncoder(out).Encode(res)
}

// loop calls until told to stop. After an error it pauses a little, so
// that a dead server does not turn into a busy loop.
func (st *loadState) loop(call func() error) {
	for !st.stop.Load() {
		if err := call(); err != nil {
			st.errors.Add(1)
			msg := err.Error()
			st.firstErr.CompareAndSwap(nil, &msg)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		st.requests.Add(1)
	}
}

// take snapshots the counters. The /proc reads allocate, so at the start
// of the window they come before the allocation and request counts, and at
// the end after them: the window's counts hold the load alone. The server
// is read alone, not as a tree: nginx runs with master_process off.
func take(p procstat.Proc, st *loadState, serverPID int, start bool) (snapshot, error) {
	var s snapshot
	var err error
	readProc := func() {
		var self, srv procstat.Stat
		if self, err = p.Stat(os.Getpid()); err != nil {
			return
		}
		s.cpu = self.UTime + self.STime
		var io procstat.IO
		if io, err = p.IO(os.Getpid()); err != nil {
			return
		}
		s.reads, s.writes = io.SysCR, io.SysCW
		if serverPID > 0 {
			if srv, err = p.Stat(serverPID); err != nil {
				err = fmt.Errorf("server pid %d: %w", serverPID, err)
				return
			}
			s.server = srv.UTime + srv.STime
		}
		s.system, err = p.SystemBusy()
	}
	if start {
		readProc()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.at, s.requests, s.errors = time.Now(), st.requests.Load(), st.errors.Load()
	s.mallocs, s.bytes = ms.Mallocs, ms.TotalAlloc
	if !start {
		readProc()
	}
	return s, err
}

func result(cfg config, s0, s1 snapshot) childResult {
	return childResult{
		Client:      cfg.client,
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		NumCPU:      runtime.NumCPU(),
		Callers:     cfg.callers,
		Seconds:     s1.at.Sub(s0.at).Seconds(),
		Requests:    s1.requests - s0.requests,
		Errors:      s1.errors - s0.errors,
		CPUTicks:    s1.cpu - s0.cpu,
		ServerTicks: s1.server - s0.server,
		SystemTicks: s1.system - s0.system,
		Mallocs:     s1.mallocs - s0.mallocs,
		Bytes:       s1.bytes - s0.bytes,
		Reads:       s1.reads - s0.reads,
		Writes:      s1.writes - s0.writes,
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
