package demo

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// TestChromiumHTTPS loads the demo page over HTTPS from holdfast's server,
// on each engine, in headless Chromium: HTTP/2 carries the 32
// sub-resources on one connection, HTTP/1.1 keep-alive on at most six,
// and --no-keepalive on one each; the page says which mode it is in and
// how long it took.
func TestChromiumHTTPS(t *testing.T) {
	testrig.CheckLeaks(t)
	cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	engines := []holdfast.Engine{holdfast.EngineGoroutine}
	if runtime.GOOS == "linux" {
		engines = append(engines, holdfast.EngineEpoll)
	}
	for _, e := range engines {
		for _, tc := range []struct {
			name       string
			h2, short  bool
			title      string
			minC, maxC int // connections; 0 for "one per request"
		}{
			{"h2", true, false, "HTTP/2 over TLS", 1, 1},
			{"no-h2", false, false, "HTTP/1.1 over TLS, keep-alive", 1, 6},
			{"no-h2-no-keepalive", false, true, "HTTP/1.1 over TLS, one request per connection", 0, 0},
		} {
			t.Run(e.String()+"/"+tc.name, func(t *testing.T) {
				url := startHTTPSDemo(t, e, cert, tc.h2, tc.short)
				dom := testrig.ChromiumDOM(t, url, "--ignore-certificate-errors")
				if !strings.Contains(dom, `data-state="done"`) {
					t.Fatalf("report not rendered (no data-state=\"done\"):\n%s", dom)
				}
				n, m := renderedFigures(t, dom)
				t.Logf("%s: %d requests over %d connections", tc.name, n, m)
				switch {
				case n < 30:
					t.Errorf("requests = %d, want at least 30", n)
				case tc.maxC == 0 && m != n:
					t.Errorf("connections = %d, want one per request (%d)", m, n)
				case tc.maxC > 0 && (m < tc.minC || m > tc.maxC):
					t.Errorf("connections = %d, want %d..%d", m, tc.minC, tc.maxC)
				}
				text := anyTag.ReplaceAllString(dom, "")
				if !strings.Contains(text, "Served as "+tc.title) {
					t.Errorf("the page does not say it was served as %q", tc.title)
				}
				if !loadTime.MatchString(dom) {
					t.Errorf("the page shows no load time")
				}
				if tc.short && strings.Contains(text, "keeps its connections open") {
					t.Errorf("a --no-keepalive page says it keeps its connections open")
				}
			})
		}
	}
}

var loadTime = regexp.MustCompile(`id="load-ms"[^>]*data-n="\d+"`)

// startHTTPSDemo serves the demo from holdfast's server over TLS.
func startHTTPSDemo(t *testing.T, e holdfast.Engine, cert *selfsigned.Cert, h2, short bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &holdfast.Server{
		Handler: New(Config{ConnID: func(r *http.Request) (uint64, bool) { return holdfast.ConnIDFromContext(r.Context()) },
			ShortConnections: short}),
		Engine:    e,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS}},
		HTTP2:     holdfast.Off,
	}
	if h2 {
		s.HTTP2 = holdfast.On
	}
	if short {
		s.Policy.KeepAlive = holdfast.Off
	}
	errc := make(chan error, 1)
	go func() { errc <- s.ServeTLS(l, "", "") }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; !errors.Is(err, holdfast.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return "https://" + l.Addr().String() + "/"
}
