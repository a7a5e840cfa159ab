package holdfast_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"holdfast"
)

// What an idle HTTPS connection costs the server, in heap bytes: N
// connections from a child process (so that the clients' memory is not
// counted), one request each, then idle. docs/tls.md quotes the figures.

const footprintConns = 400

func TestTLSIdleFootprint(t *testing.T) {
	if os.Getenv("HOLDFAST_FOOTPRINT_CLIENT") != "" {
		t.Skip("the child process runs footprintClient, not this")
	}
	limits := map[holdfast.Engine]uint64{holdfast.EngineEpoll: 1536} // the record layer's promise; the goroutine engine's is only reported
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				ts := newTLSServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
				perConn := measureIdle(t, ts, v)
				t.Logf("%s, %s: %d heap bytes per idle connection", e, tls.VersionName(v), perConn)
				if limit, ok := limits[e]; ok && v == tls.VersionTLS13 && perConn > limit {
					t.Errorf("%d bytes per idle TLS 1.3 connection, over %d", perConn, limit)
				}
			})
		})
	}
}

// measureIdle opens footprintConns idle connections from a child process
// and returns the server's heap growth per connection.
func measureIdle(t *testing.T, ts *testServer, version uint16) uint64 {
	before := liveHeap()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTLSFootprintClient$")
	cmd.Env = append(os.Environ(), "HOLDFAST_FOOTPRINT_CLIENT="+ts.addr, "HOLDFAST_FOOTPRINT_VERSION="+strconv.Itoa(int(version)))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("client: %q, %v", line, err)
	}
	waitStats(t, ts.Server, "every connection idle", func(st holdfast.Stats) bool { return st.Requests == footprintConns })
	// The serving side lets go of the last exchanges at once, and of the
	// idle connections' ciphers after CipherKeep: what stays is what an
	// idle connection costs.
	time.Sleep(2*holdfast.CipherKeep + 100*time.Millisecond)
	after := liveHeap()
	if after < before {
		return 0
	}
	return (after - before) / footprintConns
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestTLSFootprintClient is the child process of TestTLSIdleFootprint.
func TestTLSFootprintClient(t *testing.T) {
	addr := os.Getenv("HOLDFAST_FOOTPRINT_CLIENT")
	if addr == "" {
		t.Skip("run by TestTLSIdleFootprint")
	}
	v, _ := strconv.Atoi(os.Getenv("HOLDFAST_FOOTPRINT_VERSION"))
	// The parent's certificate is not this process's testCert.
	cfg := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}, MaxVersion: uint16(v)}
	var conns []*tls.Conn
	for range footprintConns {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: footprint\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		conns = append(conns, c)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // until the parent has measured
	for _, c := range conns {
		c.Close()
	}
}
