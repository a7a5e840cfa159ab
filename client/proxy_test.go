package client

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// testProxy is an HTTP proxy for the tests, on a rawServer: CONNECT
// tunnels and absolute-form requests, noting what it was asked.
type testProxy struct {
	srv *rawServer

	mu       sync.Mutex
	connects []string // CONNECT targets
	targets  []string // request targets of forwarded requests
	auth     []string // Proxy-Authorization of each request
}

func startProxy(t *testing.T) *testProxy {
	p := &testProxy{}
	p.srv = newRawServer(t, p.serve)
	return p
}

func (p *testProxy) URL(userinfo string) *url.URL {
	u := &url.URL{Scheme: "http", Host: p.srv.Addr()}
	if user, pass, ok := strings.Cut(userinfo, ":"); ok {
		u.User = url.UserPassword(user, pass)
	}
	return u
}

func (p *testProxy) seen() (connects, targets, auth []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), append([]string(nil), p.targets...), append([]string(nil), p.auth...)
}

// serve answers the requests of one client connection; the rawServer
// closes it (which also ends a tunnel's copies).
func (p *testProxy) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.auth = append(p.auth, req.Header.Get("Proxy-Authorization"))
		if req.Method == "CONNECT" {
			p.connects = append(p.connects, req.Host)
		} else {
			p.targets = append(p.targets, req.RequestURI)
		}
		p.mu.Unlock()
		if req.Method == "CONNECT" {
			p.tunnel(c, req.Host)
			return
		}
		if !p.forward(c, req) {
			return
		}
	}
}

// tunnel splices the client to target.
func (p *testProxy) tunnel(c net.Conn, target string) {
	up, err := net.Dial("tcp", target)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		up.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	<-done
}

// forward sends an absolute-form request on and its answer back.
func (p *testProxy) forward(c net.Conn, req *http.Request) bool {
	req.RequestURI = ""
	req.Header.Del("Proxy-Authorization")
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false
	}
	defer resp.Body.Close()
	return resp.Write(c) == nil
}

func TestTransportProxyConnect(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tunnelled "+r.Host) }, testCert(), false)
	proxy := startProxy(t)
	tr := tlsTransport()
	tr.Proxy = http.ProxyURL(proxy.URL("user:pass"))
	defer tr.CloseIdleConnections()
	host := strings.TrimPrefix(srv.URL, "https://")
	for i := range 3 {
		if got, cs := getTLS(t, tr, srv.URL+"/x"); got != "HTTP/1.1 tunnelled "+host || cs == nil {
			t.Fatalf("request %d: %q", i, got)
		}
	}
	connects, targets, auth := proxy.seen()
	if len(connects) != 1 || connects[0] != host || len(targets) != 0 {
		t.Fatalf("the proxy saw CONNECT %v and requests %v; want one CONNECT to %s", connects, targets, host)
	}
	if auth[0] != "Basic dXNlcjpwYXNz" {
		t.Errorf("CONNECT carried Proxy-Authorization %q", auth[0])
	}
	st := tr.Stats()
	if st.Dials != 1 || st.Reuses != 2 {
		t.Fatalf("dials %d reuses %d", st.Dials, st.Reuses)
	}
	if _, ok := st.Hosts["https://"+host+" via "+proxy.URL("user:pass").String()]; !ok {
		t.Errorf("pools: %v", st.Hosts)
	}
}

func TestTransportProxyPlainHTTP(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via proxy") })
	proxy := startProxy(t)
	tr := &Transport{Proxy: http.ProxyURL(proxy.URL("user:pass"))}
	defer tr.CloseIdleConnections()
	for range 2 {
		if _, got := get(t, tr, srv.URL+"/path?q=1"); got != "via proxy" {
			t.Fatalf("got %q", got)
		}
	}
	connects, targets, auth := proxy.seen()
	if len(connects) != 0 || len(targets) != 2 || targets[0] != srv.URL+"/path?q=1" || auth[1] != "Basic dXNlcjpwYXNz" {
		t.Fatalf("the proxy saw CONNECT %v, targets %v, auth %v; want two absolute-form requests with credentials", connects, targets, auth)
	}
	if st := tr.Stats(); st.Dials != 1 {
		t.Fatalf("dials %d: the connection to the proxy was not kept", st.Dials)
	}
}

func TestTransportProxyRefusals(t *testing.T) {
	testrig.CheckLeaks(t)
	tr := &Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "socks5", Host: "127.0.0.1:1"})}
	req, _ := http.NewRequest("GET", "https://example.invalid/", nil)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "http:// proxies only") {
		t.Fatalf("socks5 proxy: %v", err)
	}
	proxy := startProxy(t)
	tr = tlsTransport()
	tr.Proxy = http.ProxyURL(proxy.URL(""))
	defer tr.CloseIdleConnections()
	// A target nobody listens on: the proxy answers 502.
	req, _ = http.NewRequest("GET", "https://127.0.0.1:1/", nil)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("refused CONNECT: %v", err)
	}
}

// TestTransportNginxTLS is the Transport against nginx over HTTPS: reuse,
// session resumption on a new connection, expiry by the Keep-Alive hint
// (keepalive_timeout 2s 2), and all of it again through a CONNECT proxy.
func TestTransportNginxTLS(t *testing.T) {
	testrig.CheckLeaks(t)
	cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ng := testrig.StartNginx(t, testrig.NginxConfig{Body: "nginx", KeepaliveTimeout: "2s 2",
		TLS: &testrig.NginxTLS{CertPEM: cert.CertPEM, KeyPEM: cert.KeyPEM}})
	proxy := startProxy(t)
	for _, via := range []string{"direct", "proxy"} {
		t.Run(via, func(t *testing.T) {
			tr := &Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}
			if via == "proxy" {
				tr.Proxy = http.ProxyURL(proxy.URL(""))
			}
			defer tr.CloseIdleConnections()
			url := "https://" + ng.Addr + "/"
			for i := range 3 {
				if got, _ := getTLS(t, tr, url); got != "HTTP/1.1 nginx" {
					t.Fatalf("request %d: %q", i, got)
				}
			}
			if st := tr.Stats(); st.Dials != 1 || st.Reuses != 2 {
				t.Fatalf("dials %d reuses %d, want 1 and 2", st.Dials, st.Reuses)
			}
			// Keep-Alive: timeout=2 retires the connection about 1.5 s
			// into its idleness (see hintMargin), before nginx closes it.
			time.Sleep(1700 * time.Millisecond)
			_, cs := getTLS(t, tr, url)
			st := tr.Stats()
			if st.Dials != 2 || st.Closed[CloseKeepAliveHint] != 1 || st.Closed[CloseStale] != 0 || st.ReuseFailures != 0 {
				t.Fatalf("dials %d, hint expiries %d, stale %d, reuse failures %d; want 2, 1, 0, 0",
					st.Dials, st.Closed[CloseKeepAliveHint], st.Closed[CloseStale], st.ReuseFailures)
			}
			if !cs.DidResume {
				t.Error("the new connection did not resume the TLS session")
			}
		})
	}
}
