package holdfast_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/netns"
	"holdfast/internal/testrig"
)

// TestMain fails the run if a goroutine outlived the tests (goleak), if any
// state transition broke the state machine, if an ownership check failed,
// or if a network namespace or a child process was left behind.
func TestMain(m *testing.M) {
	flag.Parse()
	// Every test checks who touches loop-owned state; benchmarks measure
	// the server as it runs in a program, with the checks off.
	holdfast.CheckOwnership(flag.Lookup("test.bench").Value.String() == "")
	testrig.Main(m, badTransitions, ownerFailures, netns.CheckLeftovers, noChildProcesses)
}

func badTransitions() error {
	if n := holdfast.BadTransitions(); n != 0 {
		return fmt.Errorf("%d connection state transitions broke the state machine", n)
	}
	return nil
}

func ownerFailures() error {
	if n, first := holdfast.OwnerFailures(); n != 0 {
		return fmt.Errorf("%d ownership checks failed; the first:\n%s", n, first)
	}
	return nil
}

// run runs f once per engine, as a subtest named after it, and checks that
// no goroutine of the server or of the test's clients outlives the
// subtest (the engines' loops included: the server is closed by then).
func run(t *testing.T, f func(t *testing.T, e holdfast.Engine)) {
	t.Helper()
	for _, e := range holdfast.Engines() {
		t.Run(e.String(), func(t *testing.T) {
			testrig.CheckLeaks(t)
			f(t, e)
		})
	}
}

// testServer is a Server listening on an ephemeral loopback port.
type testServer struct {
	*holdfast.Server
	addr     string
	errc     chan error
	accepted chan net.Conn // server-side sockets, when recorded
}

// newServer starts a server with handler h, after configure edits it.
func newServer(t *testing.T, e holdfast.Engine, h http.Handler, configure ...func(*holdfast.Server)) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return newServerOn(t, l, e, h, configure...)
}

// newServerOn is newServer on a listener of the test's making.
func newServerOn(t *testing.T, l net.Listener, e holdfast.Engine, h http.Handler, configure ...func(*holdfast.Server)) *testServer {
	t.Helper()
	s := &holdfast.Server{Handler: h, Engine: e, ErrorLog: testLogger(t)}
	for _, f := range configure {
		f(s)
	}
	ts := &testServer{Server: s, addr: l.Addr().String(), errc: make(chan error, 1)}
	go func() { ts.errc <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-ts.errc; !errors.Is(err, holdfast.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

// client is a raw TCP client: the tests write exact bytes and read exact
// responses, with net/http's response parser as an independent oracle.
type client struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// ioTimeout bounds each read and each send of the test client: how long
// one may wait for the server, whatever the whole test takes.
const ioTimeout = 10 * time.Second

func (ts *testServer) dial(t *testing.T) *client {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, nc)
}

// newClient makes a test client of a connection; the test's end closes it.
func newClient(t *testing.T, nc net.Conn) *client {
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(boundedReader{nc})}
}

// boundedReader gives every read its own deadline.
type boundedReader struct{ nc net.Conn }

func (r boundedReader) Read(p []byte) (int, error) {
	r.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	return r.nc.Read(p)
}

func (c *client) send(s string) {
	c.t.Helper()
	testrig.SendRaw(c.t, c.nc, s)
}

// response reads one response to a request with the given method, body included.
func (c *client) response(method string) (*http.Response, string) {
	c.t.Helper()
	return testrig.ReadResponse(c.t, c.br, method)
}

func (c *client) get(target string) (*http.Response, string) {
	c.t.Helper()
	c.send("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n")
	return c.response("GET")
}

// expectClosed asserts the server closes the connection: the next read
// sees EOF (or a reset) and no more bytes.
func (c *client) expectClosed() {
	c.t.Helper()
	b, err := c.br.ReadByte()
	switch {
	case err == nil:
		rest, _ := c.br.Peek(c.br.Buffered())
		c.t.Fatalf("connection still open: read %q", append([]byte{b}, rest...))
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.t.Fatalf("connection still open after %v", ioTimeout)
	}
	c.nc.Close() // as a real client does on EOF, ending the server's lingering close
}

// expectOpen asserts the connection is still usable by sending a request.
func (c *client) expectOpen() {
	c.t.Helper()
	resp, _ := c.get("/still-open")
	if resp.StatusCode != 200 {
		c.t.Fatalf("status %d on a kept connection", resp.StatusCode)
	}
}

// waitStats polls the server's stats until cond holds (bounded).
func waitStats(t *testing.T, s *holdfast.Server, what string, cond func(holdfast.Stats) bool) holdfast.Stats {
	t.Helper()
	var st holdfast.Stats
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st = s.Stats(); cond(st) {
			return st
		}
	}
	t.Fatalf("stats never showed %s: %+v", what, st)
	return st
}

func closedBy(r holdfast.CloseReason, n uint64) func(holdfast.Stats) bool {
	return func(st holdfast.Stats) bool { return st.Closed[r] >= n }
}

// connID answers with the ID of the connection that carried the request,
// and the path, so tests can tell which connection served what.
var connID = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := holdfast.ConnIDFromContext(r.Context())
	fmt.Fprintf(w, "%d %s", id, r.URL.Path)
})

type testWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Logf("server: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(&testWriter{t: t}, nil))
}

var _ = context.Background
