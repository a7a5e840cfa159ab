package holdfast_test

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
)

// testCert is a certificate for localhost and 127.0.0.1, made once.
var testCert = sync.OnceValue(func() *selfsigned.Cert {
	c, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, timeZero, timeZero)
	if err != nil {
		panic(err)
	}
	return c
})

// newTLSServer is newServer serving HTTPS with testCert.
func newTLSServer(t *testing.T, e holdfast.Engine, h http.Handler, configure ...func(*holdfast.Server)) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &holdfast.Server{Handler: h, Engine: e, ErrorLog: testLogger(t),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{testCert().TLS}}}
	for _, f := range configure {
		f(s)
	}
	ts := &testServer{Server: s, addr: l.Addr().String(), errc: make(chan error, 1)}
	go func() { ts.errc <- s.ServeTLS(l, "", "") }()
	t.Cleanup(func() {
		s.Close()
		if err := <-ts.errc; !errors.Is(err, holdfast.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

// clientTLS trusts testCert and asks for protos with ALPN.
func clientTLS(protos ...string) *tls.Config {
	return &tls.Config{RootCAs: testCert().Pool, ServerName: "localhost", NextProtos: protos}
}

// dialTLS is dial over TLS (HTTP/1.1 by ALPN): the raw test client on a
// TLS connection whose handshake is done.
func (ts *testServer) dialTLS(t *testing.T, cfg *tls.Config) *client {
	t.Helper()
	if cfg == nil {
		cfg = clientTLS("http/1.1")
	}
	nc, err := tls.Dial("tcp", ts.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, nc)
}

// logRecorder keeps what a server logs, and passes it on to the test's log.
type logRecorder struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func recordLog(t *testing.T, s *holdfast.Server) *logRecorder {
	r := &logRecorder{t: t}
	s.ErrorLog = slog.New(slog.NewTextHandler(r, nil))
	return r
}

func (r *logRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := strings.TrimSpace(string(p))
	r.lines = append(r.lines, line)
	r.t.Logf("server: %s", line)
	return len(p), nil
}

// waitFor waits (bounded) for a logged line holding each of parts.
func (r *logRecorder) waitFor(parts ...string) string {
	r.t.Helper()
	for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		r.mu.Lock()
		for _, l := range r.lines {
			if containsAll(l, parts) {
				r.mu.Unlock()
				return l
			}
		}
		r.mu.Unlock()
	}
	r.t.Fatalf("no log line with %q", parts)
	return ""
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// writeTemp writes b to a file in the test's temp dir and returns its path.
func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "pem")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// runTLSVersions runs f over TLS 1.3 and TLS 1.2 (where the epoll engine
// keeps crypto/tls), on every engine.
func runTLSVersions(t *testing.T, f func(t *testing.T, e holdfast.Engine, version uint16)) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) { f(t, e, v) })
		})
	}
}

// dialTLSVersion is dialTLS with HTTP/1.1 and at most version.
func (ts *testServer) dialTLSVersion(t *testing.T, version uint16) *client {
	cfg := clientTLS("http/1.1")
	cfg.MaxVersion = version
	return ts.dialTLS(t, cfg)
}
