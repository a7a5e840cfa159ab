package proxy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/client"
	"holdfast/internal/testrig"
	"holdfast/proxy"
)

func TestMain(m *testing.M) { testrig.Main(m) }

// run runs f once per engine of the proxy's front server, as a subtest
// named after it, with the goroutine-leak check.
func run(t *testing.T, f func(t *testing.T, e holdfast.Engine)) {
	t.Helper()
	for _, e := range engines() {
		t.Run(e.String(), func(t *testing.T) {
			testrig.CheckLeaks(t)
			f(t, e)
		})
	}
}

// engines are the front server's engines on this system.
func engines() []holdfast.Engine {
	if holdfast.EngineAuto.Resolved() == holdfast.EngineEpoll {
		return []holdfast.Engine{holdfast.EngineGoroutine, holdfast.EngineEpoll}
	}
	return []holdfast.Engine{holdfast.EngineGoroutine}
}

// ioTimeout bounds each wait of a test for a peer.
const ioTimeout = 10 * time.Second

// front is a proxy behind a holdfast server on a loopback port.
type front struct {
	*proxy.Proxy
	srv  *holdfast.Server
	addr string
	url  string
	log  *logBuffer
}

// startProxy starts a proxy for cfg in a holdfast server on engine e.
func startProxy(t *testing.T, e holdfast.Engine, cfg proxy.Config) *front {
	t.Helper()
	lb := &logBuffer{t: t}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = slog.New(slog.NewTextHandler(lb, nil))
	}
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &holdfast.Server{Handler: p, Engine: e, ErrorLog: slog.New(slog.NewTextHandler(lb, nil)).With("from", "server")}
	addr := serve(t, srv)
	t.Cleanup(func() { p.Close() })
	return &front{Proxy: p, srv: srv, addr: addr, url: "http://" + addr, log: lb}
}

// serve starts s on a loopback port; the test's end closes it.
func serve(t *testing.T, s *holdfast.Server) string {
	t.Helper()
	l, err := holdfast.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; !errors.Is(err, holdfast.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

// holdfastUpstream serves h with holdfast's goroutine engine (the front
// runs both engines; one is enough behind it).
func holdfastUpstream(t *testing.T, h http.Handler, configure ...func(*holdfast.Server)) (string, *holdfast.Server) {
	t.Helper()
	s := &holdfast.Server{Handler: h, Engine: holdfast.EngineGoroutine, ErrorLog: slog.New(slog.DiscardHandler)}
	for _, f := range configure {
		f(s)
	}
	return "http://" + serve(t, s), s
}

// netHTTPUpstream serves h with net/http; it counts the connections it
// accepted.
func netHTTPUpstream(t *testing.T, h http.Handler, configure ...func(*http.Server)) (string, *connCounter) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cc := &connCounter{Listener: l}
	s := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	for _, f := range configure {
		f(s)
	}
	go s.Serve(cc)
	t.Cleanup(func() { s.Close() })
	return "http://" + l.Addr().String(), cc
}

// connCounter counts accepted connections.
type connCounter struct {
	net.Listener
	mu sync.Mutex
	n  int
}

func (c *connCounter) Accept() (net.Conn, error) {
	nc, err := c.Listener.Accept()
	if err == nil {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return nc, err
}

func (c *connCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// logBuffer keeps what a logger wrote, and passes it to the test's log.
type logBuffer struct {
	t  *testing.T
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	l.t.Logf("log: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newClient is a holdfast Transport for talking to the proxy; the test's
// end closes its connections.
func newClient(t *testing.T) *http.Client {
	tr := &client.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioTimeout}
}

// get fetches url and returns the status and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// rawConn is a raw TCP client of the proxy: tests write exact bytes and
// read responses with net/http's parser.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	testrig.SendRaw(c.t, c.nc, s)
}

// response reads one response to a request with method, with its body.
func (c *rawConn) response(method string) (*http.Response, string) {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	return testrig.ReadResponse(c.t, c.br, method)
}

// waitFor polls cond until it holds, failing the test after ioTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
