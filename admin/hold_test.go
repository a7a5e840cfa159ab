package admin_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// Many idle connections come from a child process, the test binary run
// again as a holder: the server's process then spends its open-file limit
// on the server's side alone.

const holdEnv = "HOLDFAST_ADMIN_TEST_HOLD" // "ADDR N" makes the test binary a holder

// holdConns opens n idle connections to addr from a child process, for
// the rest of the test; each has sent nothing.
func holdConns(t testing.TB, addr string, n int) {
	t.Helper()
	if lim := testrig.OpenFileLimit(); lim < uint64(n)+1000 {
		t.Skipf("holding %d connections needs %d open files (RLIMIT_NOFILE %d)", n, n+1000, lim)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdEnv+"="+addr+" "+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the holder closes its connections and exits
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("holder: %q, %v", line, err)
	}
}

// runHolder is the child's side: it dials, says ready, and keeps the
// connections until its standard input closes (or two minutes pass).
func runHolder(spec string) int {
	addr, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		return 2
	}
	conns := make([]net.Conn, 0, n)
	for len(conns) < n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "holder: after %d connections: %v\n", len(conns), err)
			return 1
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	for _, c := range conns {
		c.Close()
	}
	return 0
}
