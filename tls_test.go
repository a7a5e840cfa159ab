package holdfast_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
)

var timeZero time.Time

// tlsInfo answers with the connection ID, the protocol and what the
// request's TLS state says.
var tlsInfo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := holdfast.ConnIDFromContext(r.Context())
	if r.TLS == nil {
		fmt.Fprintf(w, "%d %s no-tls", id, r.Proto)
		return
	}
	fmt.Fprintf(w, "%d %s %s %q %q", id, r.Proto, tls.VersionName(r.TLS.Version), r.TLS.NegotiatedProtocol, r.TLS.ServerName)
})

func TestTLSKeepAlive(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, tlsInfo)
		c := ts.dialTLS(t, nil)
		_, b1 := c.get("/one")
		_, b2 := c.get("/two")
		id1, rest, _ := strings.Cut(b1, " ")
		id2, _, _ := strings.Cut(b2, " ")
		if id1 != id2 {
			t.Fatalf("requests rode connections %s and %s, want one", id1, id2)
		}
		if want := `HTTP/1.1 TLS 1.3 "http/1.1" "localhost"`; rest != want {
			t.Fatalf("request saw %q, want %q", rest, want)
		}
		if st := ts.Stats(); st.Requests != 2 || st.RequestsReused != 1 {
			t.Fatalf("requests %d reused %d, want 2 and 1", st.Requests, st.RequestsReused)
		}
	})
}

// carrier answers with what carries the connection's TLS records.
var carrier = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, holdfast.TLSCarrier(r))
})

func TestTLSCarriers(t *testing.T) {
	runTLSVersions(t, func(t *testing.T, e holdfast.Engine, v uint16) {
		ts := newTLSServer(t, e, carrier)
		c := ts.dialTLSVersion(t, v)
		want := ""
		switch {
		case e != holdfast.EngineEpoll:
		case v == tls.VersionTLS13:
			want = "records"
		default:
			want = "crypto/tls"
		}
		for i := range 3 {
			if _, got := c.get("/"); got != want {
				t.Fatalf("request %d: carried by %q, want %q", i, got, want)
			}
		}
	})
}

// bodyEcho answers with the request body.
var bodyEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Write(b)
})

func TestTLSLargeBodies(t *testing.T) {
	runTLSVersions(t, func(t *testing.T, e holdfast.Engine, v uint16) {
		ts := newTLSServer(t, e, bodyEcho)
		c := ts.dialTLSVersion(t, v)
		for _, size := range []int{0, 1, 16383, 16384, 16385, 100_000, 1 << 20} {
			body := strings.Repeat("0123456789abcdef", size/16+1)[:size]
			c.send(fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", size, body))
			resp, got := c.response("POST")
			if resp.StatusCode != 200 || got != body {
				t.Fatalf("%d bytes: status %d, got %d bytes back", size, resp.StatusCode, len(got))
			}
		}
	})
}

func TestTLSPipelined(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, connID)
		c := ts.dialTLS(t, nil)
		var reqs strings.Builder
		for i := range 20 {
			fmt.Fprintf(&reqs, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		}
		c.send(reqs.String())
		for i := range 20 {
			_, b := c.response("GET")
			if _, path, _ := strings.Cut(b, " "); path != fmt.Sprintf("/%d", i) {
				t.Fatalf("response %d is for %q", i, path)
			}
		}
		c.expectOpen()
	})
}

// h2Client is an HTTP/2 client trusting testCert.
func h2Client(t *testing.T) *http.Client {
	tr := &http.Transport{TLSClientConfig: clientTLS(), ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioTimeout}
}

func TestTLSHTTP2(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, tlsInfo)
		hc := h2Client(t)
		var first string
		for i := range 5 {
			resp, err := hc.Get("https://localhost:" + port(ts.addr) + "/" + fmt.Sprint(i))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			id, rest, _ := strings.Cut(string(b), " ")
			if want := `HTTP/2.0 TLS 1.3 "h2" "localhost"`; rest != want {
				t.Fatalf("request saw %q, want %q", rest, want)
			}
			if first == "" {
				first = id
			} else if id != first {
				t.Fatalf("request %d rode connection %s, not %s", i, id, first)
			}
		}
		if st := ts.Stats(); st.Requests != 5 || st.RequestsReused != 4 {
			t.Fatalf("requests %d reused %d, want 5 and 4", st.Requests, st.RequestsReused)
		}
		infos := ts.Connections()
		if len(infos) != 1 || infos[0].Requests != 5 || infos[0].State != holdfast.StateIdle {
			t.Fatalf("connections: %+v", infos)
		}
		hc.CloseIdleConnections()
		st := waitStats(t, ts.Server, "the HTTP/2 connection closed", closedBy(holdfast.CloseClient, 1))
		if st.ConnectionsOpen != 0 {
			t.Fatalf("%d connections open", st.ConnectionsOpen)
		}
	})
}

func port(addr string) string { _, p, _ := strings.Cut(addr, ":"); return p }

func TestTLSIdleTimeoutClosesWithCloseNotify(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, connID, func(s *holdfast.Server) { s.Policy.IdleTimeout = 200 * time.Millisecond })
		c := ts.dialTLS(t, nil)
		c.get("/")
		// A TLS client reads the server's close_notify as a clean end of
		// input: io.EOF, not an error.
		c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
		if n, err := c.br.ReadByte(); err != io.EOF {
			t.Fatalf("read %v, %v after the hold time; want io.EOF (close_notify)", n, err)
		}
		waitStats(t, ts.Server, "idle-timeout", closedBy(holdfast.CloseIdleTimeout, 1))
	})
}

func TestTLSShutdownDrainsBothProtocols(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		release := make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				<-release
			}
			io.WriteString(w, r.Proto)
		})
		ts := newTLSServer(t, e, slow)
		hc := h2Client(t)
		url := "https://localhost:" + port(ts.addr)
		got := make(chan string, 1)
		go func() {
			resp, err := hc.Get(url + "/slow")
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- string(b)
		}()
		c := ts.dialTLS(t, nil)
		c.get("/")
		waitStats(t, ts.Server, "both requests in", func(st holdfast.Stats) bool { return st.Requests == 2 })
		done := make(chan error, 1)
		go func() { done <- ts.Shutdown(context.Background()) }()
		c.expectClosed() // the idle HTTP/1.1 connection goes at once
		close(release)   // the HTTP/2 request in flight finishes
		if s := <-got; s != "HTTP/2.0" {
			t.Fatalf("the request in flight got %q", s)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if st := ts.Stats(); st.ConnectionsOpen != 0 || st.Closed[holdfast.CloseShutdown] != 2 {
			t.Fatalf("open %d, closed by shutdown %d; want 0 and 2", st.ConnectionsOpen, st.Closed[holdfast.CloseShutdown])
		}
	})
}

func TestTLSHTTP2AccessLog(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var log syncBuffer
		ts := newTLSServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			io.WriteString(w, "made")
		}), func(s *holdfast.Server) { s.AccessLog = slog.New(slog.NewTextHandler(&log, nil)) })
		resp, err := h2Client(t).Get("https://localhost:" + port(ts.addr) + "/thing")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		line := log.String()
		if !strings.Contains(line, `method=GET target=/thing proto=HTTP/2.0 status=201 bytes=4 `) || !strings.HasSuffix(line, " keep=true\n") {
			t.Fatalf("access log %q", line)
		}
	})
}

// TestTLSClientCertificates: with client certificates the server sends its
// session tickets after reading the client's certificate, not in its
// first flight; the record layer must still count them.
func TestTLSClientCertificates(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %s", len(r.TLS.PeerCertificates), holdfast.TLSCarrier(r))
		}), func(s *holdfast.Server) { s.TLSConfig.ClientAuth = tls.RequireAnyClientCert })
		cfg := clientTLS("http/1.1")
		cfg.Certificates = []tls.Certificate{testCert().TLS}
		c := ts.dialTLS(t, cfg)
		want := "1 "
		if e == holdfast.EngineEpoll {
			want += "records"
		}
		for i := range 3 {
			if _, got := c.get("/"); got != want {
				t.Fatalf("request %d: %q, want %q", i, got, want)
			}
		}
	})
}
