package holdfast_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// Bad input on a TLS port: each gets a clear log line, a closed
// connection and nothing held (run checks that no goroutine outlives the
// test).

func TestTLSPlainHTTPAnswered400(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var logs *logRecorder
		ts := newTLSServer(t, e, connID, func(s *holdfast.Server) { logs = recordLog(t, s) })
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.response("GET")
		if resp.StatusCode != 400 || !strings.Contains(body, "https://") {
			t.Fatalf("status %d, body %q", resp.StatusCode, body)
		}
		c.expectClosed()
		logs.waitFor(`msg="tls handshake failed" remote=127.0.0.1:`, "plain HTTP")
		waitStats(t, ts.Server, "tls-handshake-error", closedBy(holdfast.CloseHandshakeError, 1))
	})
}

func TestTLSGarbageClosed(t *testing.T) {
	for _, tc := range []struct{ name, bytes, logged string }{
		{"not-tls", "\x00\x01\x02\x03\x04\x05\x06\x07 not a ClientHello", "not a TLS client"},
		{"bad-hello", "\x16\x03\x01\x00\x08\x01\x00\x00\x04\xff\xff\xff\xff", `msg="tls handshake failed"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				var logs *logRecorder
				ts := newTLSServer(t, e, connID, func(s *holdfast.Server) { logs = recordLog(t, s) })
				c := ts.dial(t)
				c.send(tc.bytes)
				drainUntilClosed(t, c.nc)
				logs.waitFor(tc.logged)
				waitStats(t, ts.Server, "tls-handshake-error", closedBy(holdfast.CloseHandshakeError, 1))
			})
		})
	}
}

func TestTLSHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct{ name, bytes string }{
		{"silent", ""},
		{"mid-hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}, // a ClientHello's first bytes, then nothing
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				var logs *logRecorder
				ts := newTLSServer(t, e, connID, func(s *holdfast.Server) {
					logs = recordLog(t, s)
					s.Policy.HandshakeTimeout = 200 * time.Millisecond
				})
				c := ts.dial(t)
				if tc.bytes != "" {
					c.send(tc.bytes)
				}
				drainUntilClosed(t, c.nc)
				logs.waitFor("not complete after 200ms")
				waitStats(t, ts.Server, "tls-handshake-timeout", closedBy(holdfast.CloseHandshakeTimeout, 1))
				if n := len(ts.Connections()); n != 0 {
					t.Fatalf("%d connections still listed", n)
				}
			})
		})
	}
}

func TestTLSUnknownServerNameRefused(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var logs *logRecorder
		ts := newTLSServer(t, e, connID, func(s *holdfast.Server) { logs = recordLog(t, s) })
		cfg := clientTLS("http/1.1")
		cfg.ServerName = "unknown.example"
		cfg.InsecureSkipVerify = true // the refusal must come from the server
		_, err := tls.Dial("tcp", ts.addr, cfg)
		if err == nil {
			t.Fatal("handshake succeeded for a name the server has no certificate for")
		}
		logs.waitFor(`no certificate for the server name \"unknown.example\"`)
		waitStats(t, ts.Server, "tls-handshake-error", closedBy(holdfast.CloseHandshakeError, 1))
	})
}

func TestTLSServerCloseDuringHandshake(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, connID)
		c := ts.dial(t)
		c.send("\x16\x03\x01")
		waitStats(t, ts.Server, "the connection accepted", func(st holdfast.Stats) bool { return st.ConnectionsAccepted == 1 })
		ts.Close()
		drainUntilClosed(t, c.nc)
		waitStats(t, ts.Server, "shutdown", closedBy(holdfast.CloseShutdown, 1))
	})
}

// drainUntilClosed reads until the server closes the connection (bounded).
func drainUntilClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(ioTimeout))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v", ioTimeout)
	}
}

func TestTLSHijack(t *testing.T) {
	hijacker := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer nc.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo: " + line)
		rw.Flush()
	})
	runTLSVersions(t, func(t *testing.T, e holdfast.Engine, v uint16) {
		ts := newTLSServer(t, e, hijacker)
		c := ts.dialTLSVersion(t, v)
		c.send("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		resp, _ := c.response("GET")
		if resp.StatusCode != 101 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		c.send("ping over TLS\n")
		line, err := c.br.ReadString('\n')
		if err != nil || line != "echo: ping over TLS\n" {
			t.Fatalf("read %q, %v", line, err)
		}
		drainUntilClosed(t, c.nc)
	})
}

func TestTLSPanicInCertificateCallback(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var logs *logRecorder
		ts := newTLSServer(t, e, connID, func(s *holdfast.Server) {
			logs = recordLog(t, s)
			s.TLSConfig.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { panic("no certificate today") }
		})
		if _, err := tls.Dial("tcp", ts.addr, clientTLS("http/1.1")); err == nil {
			t.Fatal("handshake succeeded")
		}
		logs.waitFor("panic during the TLS handshake: no certificate today")
		waitStats(t, ts.Server, "tls-handshake-error", closedBy(holdfast.CloseHandshakeError, 1))
		// The server still serves: a client without a server name gets the
		// configured certificate, without the callback.
		cfg := clientTLS("http/1.1")
		cfg.ServerName = ""
		ts.dialTLS(t, cfg).expectOpen()
	})
}
