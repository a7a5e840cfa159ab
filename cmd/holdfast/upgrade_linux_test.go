package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// An in-place upgrade under keep-alive load: SIGUSR2 starts the binary
// again, the new process takes the listening socket over, the old one
// drains and exits with 0; meanwhile no request fails, no connection is
// refused and none is reset (an RFC 9110 client retries an idempotent
// request whose reused connection closed before any response byte).
func TestUpgradeUnderLoad(t *testing.T) {
	for _, engine := range []string{"goroutine", "epoll"} {
		t.Run(engine, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "holdfast.pid")
			c := startCommand(t, "serve", "--listen", "127.0.0.1:0", "--engine", engine, "--upgradable", "--pid-file", pidFile)
			old := c.cmd.Process.Pid
			t.Cleanup(func() { stopByPIDFile(t, pidFile, old) })
			waitFor(t, "the PID file", func() bool { return readPID(pidFile) == old })

			ld := startUpgradeLoad(t, c.url+"/", 8)
			ld.waitServed(t, 300)
			c.cmd.Process.Signal(syscall.SIGUSR2)
			exited := make(chan error, 1)
			go func() { exited <- c.cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("the old process: %v\n%s", err, c.log())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the old process did not exit after SIGUSR2:\n%s", c.log())
			}
			waitFor(t, "the new process's PID", func() bool { p := readPID(pidFile); return p != 0 && p != old })
			ld.waitServed(t, ld.ok.Load()+300) // served by the new process alone
			ld.stop()
			t.Logf("%d requests answered, %d failed, %d resets", ld.ok.Load(), ld.failed.Load(), ld.resets.Load())
			if ld.failed.Load() != 0 || ld.resets.Load() != 0 {
				t.Fatalf("%d failed, %d resets; the first failure: %v\n%s", ld.failed.Load(), ld.resets.Load(), ld.first, c.log())
			}
			if !strings.Contains(c.log(), "upgraded: the new process serves") {
				t.Fatalf("no upgrade in the log:\n%s", c.log())
			}
		})
	}
}

// upgradeLoad is a keep-alive load through net/http's Transport whose
// connections count the resets they see.
type upgradeLoad struct {
	ok, failed, resets atomic.Int64
	mu                 sync.Mutex
	first              error // guarded by mu
	cancel             context.CancelFunc
	wg                 sync.WaitGroup
	tr                 *http.Transport
}

func startUpgradeLoad(t *testing.T, url string, callers int) *upgradeLoad {
	ld := &upgradeLoad{}
	ld.tr = &http.Transport{DialContext: ld.dial, MaxIdleConnsPerHost: callers}
	hc := &http.Client{Transport: ld.tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	ld.cancel = cancel
	for range callers {
		ld.wg.Go(func() {
			for ctx.Err() == nil {
				ld.call(hc, url)
			}
		})
	}
	t.Cleanup(ld.stop)
	return ld
}

func (ld *upgradeLoad) call(hc *http.Client, url string) {
	resp, err := hc.Get(url)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != 200 {
			err = errors.New(resp.Status)
		}
	}
	if err == nil {
		ld.ok.Add(1)
		return
	}
	ld.failed.Add(1)
	ld.mu.Lock()
	if ld.first == nil {
		ld.first = err
	}
	ld.mu.Unlock()
}

func (ld *upgradeLoad) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &resetCountingConn{Conn: nc, resets: &ld.resets}, nil
}

// waitServed waits, up to thirty seconds, until n requests were answered.
func (ld *upgradeLoad) waitServed(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ld.ok.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests answered in thirty seconds, want %d (%d failed: %v)", ld.ok.Load(), n, ld.failed.Load(), ld.first)
		}
	}
}

func (ld *upgradeLoad) stop() {
	ld.cancel()
	ld.wg.Wait()
	ld.tr.CloseIdleConnections()
}

// resetCountingConn counts the resets a connection sees.
type resetCountingConn struct {
	net.Conn
	resets *atomic.Int64
}

func (c *resetCountingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.saw(err)
	return n, err
}

func (c *resetCountingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.saw(err)
	return n, err
}

func (c *resetCountingConn) saw(err error) {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		c.resets.Add(1)
	}
}

// readPID reads a PID file; 0 if there is none yet.
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// stopByPIDFile terminates the process the PID file names, unless it is
// the test's own child (which the test waits for): an upgraded process is
// not this process's child.
func stopByPIDFile(t *testing.T, path string, child int) {
	pid := readPID(path)
	if pid == 0 || pid == child {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for deadline := time.Now().Add(30 * time.Second); running(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the upgraded process %d did not exit after SIGTERM", pid)
			return
		}
	}
}

// running reports whether process pid exists and is not a zombie waiting
// for a parent (init, once its own parent exited) to reap it.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(rest) > 0 && rest[0] != "Z"
}
