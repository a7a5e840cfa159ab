package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"holdfast/internal/testrig"
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

			ld := testrig.StartLoad(t, testrig.LoadConfig{URL: c.url + "/", Callers: 8})
			ld.WaitServed(t, 300)
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
			ld.WaitServed(t, ld.OK.Load()+300) // served by the new process alone
			ld.Stop()
			t.Log(ld)
			if ld.Failed.Load() != 0 || ld.Resets.Load() != 0 {
				t.Fatalf("%v; the first failure: %v\n%s", ld, ld.First(), c.log())
			}
			if !strings.Contains(c.log(), "upgraded: the new process serves") {
				t.Fatalf("no upgrade in the log:\n%s", c.log())
			}
		})
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
