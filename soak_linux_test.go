package holdfast_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"holdfast"
	"holdfast/internal/testrig"
)

// TestSoak opens and closes 100,000 connections through each engine — each
// carrying a request, and ending every way a connection ends:
// the client closes, the server closes (Connection: close), the client
// resets — and checks that nothing is left behind: no descriptors, no
// goroutines, and heap growth within 8 MiB once the server is idle.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	run(t, soak)
}

func soak(t *testing.T, e holdfast.Engine) {
	const total, workers = 100_000, 16
	const heapBound = 8 << 20
	ts := newServer(t, e, connID, func(s *holdfast.Server) { s.ErrorLog = nil })
	_, port, _ := net.SplitHostPort(ts.addr)

	warm := ts.dial(t)
	warm.get("/") // the engine's loops have started
	warm.nc.Close()
	fdsBefore, heapBefore := openFDs(t), heapInUse()
	goroutines := testrig.TakeGoroutines()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Several source addresses, so ephemeral ports do not run out.
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+w%8))}}
			for i := w; i < total; i += workers {
				if err := soakOne(d, "127.0.0.1:"+port, i); err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				if time.Since(start) > 3*time.Minute {
					errs <- fmt.Errorf("soak took over 3 minutes; stopped at connection %d", i)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := waitStats(t, ts.Server, "every connection closed", func(st holdfast.Stats) bool {
		return st.ConnectionsOpen == 0 && st.ConnectionsAccepted >= total
	})
	t.Logf("%d connections in %v: %v", st.ConnectionsAccepted, time.Since(start).Round(time.Millisecond), st.Closed)
	if fds := openFDs(t); fds > fdsBefore+2 {
		t.Errorf("open descriptors: %d before, %d after", fdsBefore, fds)
	}
	// On the epoll engine, a loop taken over from a handler that ran long
	// goes on in a new goroutine, and the old one may wait as a spare:
	// both sit in runLoops, bounded by the engine, and end when the server
	// closes (run's check sees to that).
	loopsAndSpares := goleak.IgnoreAnyFunction("holdfast.(*epollEngine).runLoops")
	if err := goroutines.Leaked(loopsAndSpares); err != nil {
		t.Errorf("goroutines left behind with the server still up: %v", err)
	}
	if grew := int64(heapInUse()) - int64(heapBefore); grew > heapBound {
		t.Errorf("heap grew by %d bytes over %d connections (bound %d)", grew, total, heapBound)
	}
}

// soakOne runs one connection's life: a request, then one of three ends.
func soakOne(d net.Dialer, addr string, i int) error {
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: soak\r\n\r\n"
	if i%3 == 1 {
		req = "GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n"
	}
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	switch i % 3 {
	case 1: // the server closes: read its FIN
		io.Copy(io.Discard, c)
	case 2: // the client resets
		c.(*net.TCPConn).SetLinger(0)
	}
	return nil
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
