package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast/internal/sockopt"
	"holdfast/internal/testrig"
)

func TestTransportLIFO(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.RemoteAddr))
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	// Two responses open at once: two connections.
	var resps [2]*http.Response
	for i := range resps {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resps[i] = resp
	}
	var addrs [2]string
	for i, resp := range resps { // released in order: the second is the hottest
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		addrs[i] = string(b)
	}
	if addrs[0] == addrs[1] {
		t.Fatal("expected two connections")
	}
	for i := 0; i < 3; i++ {
		if _, got := get(t, tr, srv.URL); got != addrs[1] {
			t.Errorf("request %d went to %s, want the most recently used %s", i, got, addrs[1])
		}
	}
}

func TestTransportMaxIdlePerHost(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("body")) })
	tr := &Transport{MaxIdlePerHost: 2}
	defer tr.CloseIdleConnections()
	var resps []*http.Response
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, resp)
	}
	for _, resp := range resps {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	st := tr.Stats()
	if h := st.Hosts[srv.Listener.Addr().String()]; h.Idle != 2 {
		t.Errorf("idle %d, want 2", h.Idle)
	}
	if st.Closed[ClosePoolFull] != 2 {
		t.Errorf("pool-full closes %d, want 2", st.Closed[ClosePoolFull])
	}
}

func TestTransportMaxConnsPerHost(t *testing.T) {
	testrig.CheckLeaks(t)
	release := make(chan struct{})
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		w.Write([]byte(r.RemoteAddr))
	})
	tr := &Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	key := srv.Listener.Addr().String()

	first := make(chan string)
	go func() {
		_, body := get(t, tr, srv.URL+"/slow")
		first <- body
	}()
	waitFor(t, "the first request to hold the connection", func() bool { return tr.Stats().Hosts[key].Active == 1 })

	// A waiter whose context ends gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter with a deadline: %v", err)
	}

	second := make(chan string)
	go func() {
		_, body := get(t, tr, srv.URL)
		second <- body
	}()
	waitFor(t, "the second request to wait", func() bool { return tr.Stats().Hosts[key].Waiting == 1 })
	close(release)
	a, b := <-first, <-second
	if a != b {
		t.Errorf("the waiter should get the released connection: %s vs %s", a, b)
	}
	st := tr.Stats()
	if st.Dials != 1 || st.Waits != 2 {
		t.Errorf("stats: dials %d waits %d", st.Dials, st.Waits)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTransportIdleTimeoutAndMaxAge(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	t.Run("IdleTimeout", func(t *testing.T) {
		tr := &Transport{IdleTimeout: 100 * time.Millisecond}
		defer tr.CloseIdleConnections()
		get(t, tr, srv.URL)
		waitFor(t, "the idle timer", func() bool { return tr.Stats().Closed[CloseIdleTimeout] == 1 })
		get(t, tr, srv.URL)
		if st := tr.Stats(); st.Dials != 2 || st.Reuses != 0 {
			t.Errorf("stats: %+v", st)
		}
	})
	t.Run("IdleTimeout-after-reuse", func(t *testing.T) {
		// The timer armed by the first release fires at 300 ms, while the
		// reuse at 150 ms moved the expiry to 450 ms: it must set itself
		// again, not close the connection early.
		tr := &Transport{IdleTimeout: 300 * time.Millisecond}
		defer tr.CloseIdleConnections()
		start := time.Now()
		get(t, tr, srv.URL)
		time.Sleep(150*time.Millisecond - time.Since(start))
		get(t, tr, srv.URL)
		time.Sleep(370*time.Millisecond - time.Since(start))
		if st := tr.Stats(); st.Closed[CloseIdleTimeout] != 0 || st.ConnectionsOpen != 1 {
			t.Errorf("at %v: idle-timeout closes %d, open %d; want the connection kept until about 450 ms",
				time.Since(start).Round(time.Millisecond), st.Closed[CloseIdleTimeout], st.ConnectionsOpen)
		}
		waitFor(t, "the idle timer", func() bool { return tr.Stats().Closed[CloseIdleTimeout] == 1 })
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("closed at %v, before the expiry of the second release", d.Round(time.Millisecond))
		}
	})
	t.Run("MaxAge", func(t *testing.T) {
		tr := &Transport{MaxAge: 150 * time.Millisecond}
		defer tr.CloseIdleConnections()
		for i := 0; i < 4; i++ {
			get(t, tr, srv.URL)
			time.Sleep(60 * time.Millisecond)
		}
		st := tr.Stats()
		if st.Dials < 2 || st.Closed[CloseMaxAge] < 1 {
			t.Errorf("stats: dials %d, max-age %d", st.Dials, st.Closed[CloseMaxAge])
		}
	})
	t.Run("MaxRequestsPerConn", func(t *testing.T) {
		tr := &Transport{MaxRequestsPerConn: 2}
		defer tr.CloseIdleConnections()
		for i := 0; i < 5; i++ {
			get(t, tr, srv.URL)
		}
		st := tr.Stats()
		if st.Dials != 3 || st.Closed[CloseMaxRequests] != 2 {
			t.Errorf("stats: dials %d, max-requests %d", st.Dials, st.Closed[CloseMaxRequests])
		}
	})
}

func TestTransportDisableKeepAlives(t *testing.T) {
	testrig.CheckLeaks(t)
	var mu sync.Mutex
	var conns []string
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns = append(conns, r.Header.Get("Connection"))
		mu.Unlock()
	})
	tr := &Transport{DisableKeepAlives: true}
	for i := 0; i < 3; i++ {
		get(t, tr, srv.URL)
	}
	st := tr.Stats()
	if st.Dials != 3 || st.Closed[CloseKeepAliveOff] != 3 || st.ConnectionsOpen != 0 {
		t.Errorf("stats: %+v", st)
	}
	for _, c := range conns {
		if c != "close" {
			t.Errorf("Connection: %q", c)
		}
	}
}

func TestTransportServerClose(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(n int, req *http.Request, _ []byte) []byte {
			switch req.URL.Path {
			case "/close":
				return rawResponse(200, "bye", "Connection: close")
			case "/http10":
				return []byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
			case "/http10-keepalive":
				return []byte("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
			case "/until-close":
				c.Write([]byte("HTTP/1.1 200 OK\r\n\r\nbody until close"))
				return nil
			}
			return rawResponse(200, "ok")
		})
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	for _, tc := range []struct {
		path string
		kept bool
		body string
	}{{"/close", false, "bye"}, {"/http10", false, "ok"}, {"/http10-keepalive", true, "ok"}, {"/until-close", false, "body until close"}} {
		before := tr.Stats().Closed[CloseServer]
		if _, body := get(t, tr, srv.URL()+tc.path); body != tc.body {
			t.Errorf("%s: body %q", tc.path, body)
		}
		closed := tr.Stats().Closed[CloseServer] - before
		if kept := closed == 0; kept != tc.kept {
			t.Errorf("%s: kept %v, want %v", tc.path, kept, tc.kept)
		}
	}
}

func TestTransportSocketOptions(t *testing.T) {
	testrig.CheckLeaks(t)
	if !sockopt.Supported {
		t.Skip("TCP_USER_TIMEOUT is not supported here")
	}
	srv := newNetHTTPServer(t, echo)
	var mu sync.Mutex
	var dialed []net.Conn
	tr := &Transport{
		TCPKeepAliveIdle:     7 * time.Second,
		TCPKeepAliveInterval: 3 * time.Second,
		TCPKeepAliveCount:    5,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			mu.Lock()
			dialed = append(dialed, c)
			mu.Unlock()
			return c, err
		},
	}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL)
	got, err := sockopt.Read(dialed[0])
	if err != nil {
		t.Fatal(err)
	}
	want := sockopt.Options{KeepAlive: true, Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 5, UserTimeout: 22 * time.Second}
	if got != want {
		t.Errorf("socket options %+v, want %+v", got, want)
	}

	tr2 := &Transport{DisableTCPKeepAlive: true, DialContext: tr.DialContext}
	defer tr2.CloseIdleConnections()
	get(t, tr2, srv.URL)
	got, _ = sockopt.Read(dialed[1])
	if got.KeepAlive || got.UserTimeout != 0 {
		t.Errorf("keepalive off: %+v", got)
	}
}

func TestTransportDialTimeoutAndErrors(t *testing.T) {
	testrig.CheckLeaks(t)
	tr := &Transport{
		DialTimeout: 50 * time.Millisecond,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
	}
	start := time.Now()
	req, _ := http.NewRequest("GET", "http://example.invalid/", nil)
	_, err := tr.RoundTrip(req)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("dial timeout: %v after %v", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "example.invalid:80") {
		t.Errorf("the error should name the address: %v", err)
	}
	if st := tr.Stats(); st.DialErrors != 1 || st.ConnectionsOpen != 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestTransportStatsJSON(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL)
	b, err := json.Marshal(tr.Stats())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"dials", "reuses", "retries", "reuse_failures", "closed", "hosts", "connections_open"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing in %s", k, b)
		}
	}
	if !strings.Contains(string(b), `"stale":0`) || !strings.Contains(string(b), `"idle":1`) {
		t.Errorf("JSON: %s", b)
	}
}

func TestTransportCloseIdleConnections(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	client := &http.Client{Transport: tr}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	client.CloseIdleConnections()
	st := tr.Stats()
	if st.Closed[CloseIdleConns] != 1 || st.ConnectionsOpen != 0 || len(st.Hosts) != 0 {
		t.Errorf("stats: %+v", st)
	}
	get(t, tr, srv.URL) // the Transport still works
}
