package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Out of file descriptors: holdfast serve runs under prlimit with a few
// dozen descriptors. While idle keep-alive connections fill them, each
// new client is still served (idle ones are shed to make room); when the
// descriptors are held by connections that cannot be shed, the server
// neither spins (its CPU time stays under 5 % of a core) nor floods its
// log (a line per second at most), and once they go it serves again by
// itself.
func TestOutOfDescriptors(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit is not installed (util-linux)")
	}
	const limit = 48
	for _, engine := range []string{"goroutine", "epoll"} {
		t.Run(engine, func(t *testing.T) {
			cmd := exec.Command(prlimit, "--nofile="+strconv.Itoa(limit), os.Args[0],
				"serve", "--listen", "127.0.0.1:0", "--engine", engine)
			cmd.Env = append(os.Environ(), "HOLDFAST_AS_MAIN=1")
			c := startChild(t, "holdfast: serving", cmd)
			addr := strings.TrimPrefix(c.url, "http://")
			pid := c.cmd.Process.Pid

			// Idle keep-alive connections, twice as many as fit: every
			// newcomer is served.
			var idle []net.Conn
			for i := range 2 * limit {
				nc := dialServed(t, addr)
				if nc == nil {
					t.Fatalf("client %d (of %d, limit %d) not served:\n%s", i, 2*limit, limit, c.log())
				}
				idle = append(idle, nc)
			}
			if !strings.Contains(c.log(), "accept failed") {
				t.Fatalf("%d connections under a limit of %d descriptors, and accept never failed:\n%s", 2*limit, limit, c.log())
			}
			closeAll(idle)

			// Connections that sent nothing: nothing to shed.
			silent := holdSilent(t, addr, limit+8)
			defer closeAll(silent)
			logged := strings.Count(c.log(), "accept failed")
			waitFor(t, "accept to fail again", func() bool { return strings.Count(c.log(), "accept failed") > logged || openFiles(pid) >= limit-1 })
			const window = 3 * time.Second
			before, lines := cpuTicks(t, pid), strings.Count(c.log(), "accept failed")
			time.Sleep(window)
			used, logLines := cpuTicks(t, pid)-before, strings.Count(c.log(), "accept failed")-lines
			t.Logf("at the limit (%d descriptors open): %d ticks of CPU and %d log lines in %v", openFiles(pid), used, logLines, window)
			// 5 % of a core over the window, in clock ticks (USER_HZ, 100 on Linux).
			if budget := int64(window.Seconds() * 100 * 0.05); used > budget {
				t.Errorf("at the limit the server used %d ticks of CPU in %v (budget %d)", used, window, budget)
			}
			if logLines > int(window.Seconds()) {
				t.Errorf("%d accept-failure lines in %v", logLines, window)
			}

			// The silent connections go: the server recovers by itself.
			closeAll(silent)
			if nc := dialServed(t, addr); nc == nil {
				t.Fatalf("not served after the descriptors were freed:\n%s", c.log())
			} else {
				nc.Close()
			}
			c.terminate(t)
		})
	}
}

// dialServed connects, sends a GET, reads the response and returns the
// connection, kept alive; nil if it was not served.
func dialServed(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		nc.Close()
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		nc.Close()
		return nil
	}
	nc.SetDeadline(time.Time{})
	return nc
}

// holdSilent opens n connections that send nothing.
func holdSilent(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for range n {
		nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			closeAll(conns)
			t.Fatal(err)
		}
		conns = append(conns, nc)
	}
	return conns
}

func closeAll(conns []net.Conn) {
	for _, nc := range conns {
		nc.Close()
	}
}

// cpuTicks is the CPU time process pid has used, user and system, in
// clock ticks (/proc/PID/stat, fields 14 and 15).
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // fields from 3 on
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// openFiles counts process pid's open descriptors.
func openFiles(pid int) int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries)
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited ten seconds for %s", what)
		}
	}
}
