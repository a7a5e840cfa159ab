package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"holdfast/compare/internal/idle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSmokeNetHTTP runs the real programs: the nethttp peer in one process,
// idleconns in another, 200 connections, and checks the server really holds
// them (its fd count grows) and keeps them through the idle wait.
func TestSmokeNetHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and runs a server; skipped with -short")
	}
	dir := t.TempDir()
	peer, idleBin := filepath.Join(dir, "peer"), filepath.Join(dir, "idleconns")
	build(t, peer, "../peer")
	build(t, idleBin, ".")

	addr := freeAddr(t)
	srv := exec.Command(peer, "-server", "nethttp", "-addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	waitListening(t, addr)

	out, err := exec.Command(idleBin, "-addr", addr, "-pid", strconv.Itoa(srv.Process.Pid),
		"-n", "200", "-idle", "500ms", "-settle", "100ms").Output()
	if err != nil {
		t.Fatalf("idleconns: %v", err)
	}
	var r idle.Result
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if r.Opened != 200 || r.Failed != 0 || r.ClosedByServer != 0 {
		t.Fatalf("opened %d failed %d closed %d (%s)", r.Opened, r.Failed, r.ClosedByServer, r.FirstError)
	}
	if r.FDsAfter-r.FDsBefore < 200 {
		t.Fatalf("server fds went %d -> %d; it does not hold the connections", r.FDsBefore, r.FDsAfter)
	}
	if r.RSSAfterKiB <= 0 || r.IdleSeconds < 0.5 {
		t.Fatalf("implausible result %+v", r)
	}
}

func build(t *testing.T, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build %s: %v", pkg, err)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("server at %s never listened", addr)
}
