package admin_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/admin"
)

// testClient bounds every request of the tests: a server that stops
// answering fails the test instead of hanging it.
var testClient = &http.Client{Timeout: 30 * time.Second}

// serve starts a holdfast server with handler h on a loopback port.
func serve(t testing.TB, s *holdfast.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, holdfast.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := testClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// exchange sends raw bytes on a new connection and reads until the server
// closes it (or, with keep set, one response).
func exchange(t *testing.T, addr, req string, keep bool) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, req)
	if keep {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		return c
	}
	io.Copy(io.Discard, c)
	c.Close()
	return nil
}

// The close reasons /stats reports are the ones the test provoked.
func TestStatsReasons(t *testing.T) {
	app := &holdfast.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
		Policy:  holdfast.Policy{IdleTimeout: 300 * time.Millisecond, MaxRequests: 2},
	}
	appAddr := serve(t, app)
	adminURL := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})

	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	exchange(t, appAddr, get+get, false)                                                  // max-requests
	exchange(t, appAddr, "GET / HTTP/1.1\r\nHost x\r\n\r\n", false)                       // protocol-error
	exchange(t, appAddr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false) // client-close
	idle := exchange(t, appAddr, get, true)                                               // idle-timeout
	io.Copy(io.Discard, idle)
	idle.Close()

	want := map[string]uint64{"max-requests": 1, "protocol-error": 1, "client-close": 1, "idle-timeout": 1}
	var st struct {
		Accepted uint64            `json:"connections_accepted"`
		Open     int64             `json:"connections_open"`
		Requests uint64            `json:"requests"`
		Closed   map[string]uint64 `json:"closed"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		getJSON(t, adminURL+"/stats", &st)
		if st.Open == 0 || time.Now().After(deadline) {
			break
		}
	}
	for reason, n := range st.Closed {
		if n != want[reason] {
			t.Errorf("closed[%q] = %d, want %d", reason, n, want[reason])
		}
	}
	if st.Accepted != 4 || st.Requests != 4 || st.Open != 0 { // a malformed head is not a request
		t.Errorf("accepted %d requests %d open %d, want 4, 4, 0", st.Accepted, st.Requests, st.Open)
	}
}

func TestConnectionsList(t *testing.T) {
	app := &holdfast.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	appAddr := serve(t, app)
	adminURL := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})
	c := exchange(t, appAddr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true)
	defer c.Close()

	var conns []map[string]any
	getJSON(t, adminURL+"/connections", &conns)
	if len(conns) != 1 {
		t.Fatalf("%d connections listed, want 1", len(conns))
	}
	for _, key := range []string{"id", "remote", "state", "age_seconds", "idle_seconds", "requests"} {
		if _, ok := conns[0][key]; !ok {
			t.Errorf("no %q in %v", key, conns[0])
		}
	}
	if conns[0]["remote"] != c.LocalAddr().String() || conns[0]["requests"] != 1.0 {
		t.Errorf("connection %v", conns[0])
	}
}

// The page and its assets are served from the binary.
func TestLivePage(t *testing.T) {
	app := &holdfast.Server{}
	adminURL := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})
	for path, want := range map[string]struct{ contentType, text string }{
		"/":                           {"text/html; charset=utf-8", "ui/live.js"},
		"/ui/live.js":                 {"text/javascript; charset=utf-8", `new EventSource("events")`},
		"/ui/live.css":                {"text/css; charset=utf-8", ".sentence"},
		"/ui/uplot/uPlot.iife.min.js": {"text/javascript; charset=utf-8", "uPlot"},
		"/ui/uplot/uPlot.min.css":     {"text/css; charset=utf-8", ".uplot"},
	} {
		resp, err := testClient.Get(adminURL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want.contentType || !strings.Contains(string(b), want.text) {
			t.Errorf("%s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
		}
	}
	resp, err := testClient.Get(adminURL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown path: %d", resp.StatusCode)
	}
}

// An option adds an endpoint, which /info lists for the page to link.
func TestWithHandler(t *testing.T) {
	app := &holdfast.Server{}
	extra := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "upstreams here") })
	adminURL := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app,
		admin.WithHandler("GET /upstreams", extra), admin.WithHandler("POST /drain", extra))})
	resp, err := testClient.Get(adminURL + "/upstreams")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "upstreams here" {
		t.Fatalf("GET /upstreams: %d %q", resp.StatusCode, b)
	}
	var info struct{ Links []string }
	getJSON(t, adminURL+"/info", &info)
	if len(info.Links) != 1 || info.Links[0] != "upstreams" {
		t.Fatalf("links %q, want the GET endpoint only", info.Links)
	}
}
