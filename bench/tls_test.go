package bench

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// startHoldfastTLS is startHoldfast over HTTPS with a self-signed
// certificate, on engine e.
func startHoldfastTLS(t *testing.T, e holdfast.Engine) string {
	t.Helper()
	cert, err := selfsigned.New([]string{"127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &holdfast.Server{Engine: e, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Hello, World!")) })}
	done := make(chan struct{})
	go func() { srv.ServeTLS(ln, "", ""); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "https://" + ln.Addr().String() + "/"
}

func TestRunHTTPS(t *testing.T) {
	testrig.CheckLeaks(t)
	url := startHoldfastTLS(t, holdfast.EngineAuto)
	res := run(t, Config{URL: url, Connections: 3, Requests: 300, Insecure: true})
	if res.ErrorCount() != 0 || res.Requests != 300 || res.ConnectionsOpened != 3 {
		t.Fatalf("requests %d, errors %d (%s), connections %d", res.Requests, res.ErrorCount(), res.LastError, res.ConnectionsOpened)
	}
	if res.Handshake.Count != 3 || res.Status[200] != 300 {
		t.Errorf("handshakes %d, statuses %v", res.Handshake.Count, res.Status)
	}
	var b strings.Builder
	WriteText(&b, res)
	mustContain(t, b.String(), "TLS handshake", "TLS sessions")
	// Without --insecure, a self-signed certificate is refused, and the
	// message says how to go on.
	_, err := Run(context.Background(), Config{URL: url, Requests: 1})
	if err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("a self-signed certificate: %v", err)
	}
}

// TestCompareHTTPS runs the comparison over TLS on each engine: keep-alive,
// short connections resuming their sessions, and short connections with
// full handshakes, the setup timed apart.
func TestCompareHTTPS(t *testing.T) {
	for _, e := range []holdfast.Engine{holdfast.EngineGoroutine, holdfast.EngineAuto} {
		t.Run(e.Resolved().String(), func(t *testing.T) {
			testrig.CheckLeaks(t)
			url := startHoldfastTLS(t, e)
			var modes []string
			c, err := Compare(context.Background(), Config{URL: url, Connections: 4, Requests: 120, Timeout: 5 * time.Second, Insecure: true},
				func(cfg Config) { modes = append(modes, cfg.ModeName()) })
			if err != nil {
				t.Fatal(err)
			}
			if len(modes) != 3 || !strings.Contains(modes[1], "resumed sessions") || !strings.Contains(modes[2], "full handshakes") {
				t.Fatalf("runs %v", modes)
			}
			for _, r := range []*Result{c.KeepAlive, c.Short, c.ShortFull} {
				if r.ErrorCount() != 0 || r.Requests != 120 {
					t.Fatalf("%s: %d requests, %d errors (%s)", r.Mode, r.Requests, r.ErrorCount(), r.LastError)
				}
			}
			// The first connection of the resuming run has no session yet.
			if c.Short.Resumed < c.Short.ConnectionsOpened-4 || c.ShortFull.Resumed != 0 {
				t.Errorf("resumed %d of %d, and %d with full handshakes", c.Short.Resumed, c.Short.ConnectionsOpened, c.ShortFull.Resumed)
			}
			var b strings.Builder
			WriteCompareText(&b, c)
			mustContain(t, b.String(), "short, resumed", "short, full TLS", "TCP connect p50", "TLS handshake p50", "first byte p50")
			js, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, string(js), `"short_full_tls":{`, `"tls_handshake_ms":`, `"speedup_full_tls":`)
		})
	}
}
