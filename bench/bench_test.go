package bench

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"

	"holdfast/internal/testrig"
)

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestCountedRunSendsExactlyN(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	res := run(t, Config{URL: s.url(), Connections: 4, Requests: 101})
	if got := s.requests.Load(); got != 101 {
		t.Errorf("server received %d requests, want 101", got)
	}
	if res.Requests != 101 || res.ErrorCount() != 0 {
		t.Errorf("result: %d requests, %d errors; want 101, 0 (%v)", res.Requests, res.ErrorCount(), res.Errors)
	}
	if res.Status[200] != 101 {
		t.Errorf("status counts %v, want 101 × 200", res.Status)
	}
	if res.ConnectionsOpened != s.conns.Load() || res.ConnectionsOpened > 4 {
		t.Errorf("opened %d connections, server saw %d; want the same, at most 4", res.ConnectionsOpened, s.conns.Load())
	}
	if res.Latency.Count != 101 || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 {
		t.Errorf("latency summary %+v", res.Latency)
	}
	if res.Bytes != 101*int64(len("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!")) {
		t.Errorf("read %d bytes", res.Bytes)
	}
}

func TestNoKeepAliveOpensAConnectionPerRequest(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	res := run(t, Config{URL: s.url(), Connections: 3, Requests: 40, NoKeepAlive: true})
	if s.requests.Load() != 40 || s.conns.Load() != 40 {
		t.Errorf("server saw %d requests on %d connections, want 40 on 40", s.requests.Load(), s.conns.Load())
	}
	if s.closeTok.Load() != 40 {
		t.Errorf("%d requests said Connection: close, want all 40", s.closeTok.Load())
	}
	if res.ConnectionsOpened != 40 || res.ConnectionsPerRequest() != 1 {
		t.Errorf("opened %d connections (%.2f per request), want 40 (1)", res.ConnectionsOpened, res.ConnectionsPerRequest())
	}
	if res.Connect.Count != 40 || res.ConnectTime <= 0 {
		t.Errorf("connect times: %+v, total %v", res.Connect, res.ConnectTime)
	}
}

func TestPipelineWritesRequestsTogether(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	res := run(t, Config{URL: s.url(), Connections: 2, Requests: 100, Pipeline: 8})
	if s.requests.Load() != 100 || res.Requests != 100 || res.ErrorCount() != 0 {
		t.Errorf("server saw %d, result %d requests, %d errors; want 100, 100, 0", s.requests.Load(), res.Requests, res.ErrorCount())
	}
	if s.maxBatch.Load() < 2 {
		t.Errorf("the server never found more than %d request in one read: not pipelined", s.maxBatch.Load())
	}
}

func TestHTTP10(t *testing.T) {
	testrig.CheckLeaks(t)
	for _, short := range []bool{false, true} {
		s := newCountServer(t, answerLength)
		res := run(t, Config{URL: s.url(), Connections: 2, Requests: 20, HTTP10: true, NoKeepAlive: short})
		if s.http10.Load() != 20 || res.Requests != 20 {
			t.Errorf("short=%v: %d HTTP/1.0 requests seen, %d answered; want 20", short, s.http10.Load(), res.Requests)
		}
		want := int64(20)
		if !short {
			want = 2 // kept with Connection: keep-alive
		}
		if s.conns.Load() != want {
			t.Errorf("short=%v: %d connections, want %d", short, s.conns.Load(), want)
		}
	}
}

func TestResponseFramings(t *testing.T) {
	testrig.CheckLeaks(t)
	for _, tc := range []struct {
		name  string
		a     answer
		conns int64
	}{
		{"chunked", answerChunked, 1},
		{"close-delimited", answerEOF, 15},
	} {
		s := newCountServer(t, tc.a)
		res := run(t, Config{URL: s.url(), Connections: 1, Requests: 15})
		if res.Requests != 15 || res.ErrorCount() != 0 || res.ConnectionsOpened != tc.conns {
			t.Errorf("%s: %d requests, errors %v, %d connections; want 15, none, %d",
				tc.name, res.Requests, res.Errors, res.ConnectionsOpened, tc.conns)
		}
	}
}

func TestDurationRunStops(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	var ticks int
	res := run(t, Config{URL: s.url(), Connections: 4, Duration: 350 * time.Millisecond,
		Interval: 100 * time.Millisecond, Progress: func(Progress) { ticks++ }})
	if res.Requests == 0 || res.ErrorCount() != 0 {
		t.Errorf("%d requests, errors %v", res.Requests, res.Errors)
	}
	if ticks == 0 || len(res.Timeline) == 0 || res.Timeline[len(res.Timeline)-1].Requests != res.Requests {
		t.Errorf("%d progress reports, timeline %v, for %d requests", ticks, res.Timeline, res.Requests)
	}
	// Requests cut off by the end of the run are not errors; the server
	// saw at most one more per connection than were answered.
	if extra := s.requests.Load() - res.Requests; extra < 0 || extra > 4 {
		t.Errorf("server saw %d requests, %d answered", s.requests.Load(), res.Requests)
	}
}

// With a fixed rate, a server that stalls delays every request that was
// due during the stall, and each of them must show that wait: counted from
// when it was sent, only the one request caught in the stall would.
func TestRateRunCountsFromIntendedTime(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	s.stall = 400 * time.Millisecond
	res := run(t, Config{URL: s.url(), Connections: 1, Requests: 20, Rate: 100})
	if s.requests.Load() != 20 || res.Requests != 20 || res.Latency.Count != 20 {
		t.Fatalf("server saw %d, result %d requests, %d latencies; want 20", s.requests.Load(), res.Requests, res.Latency.Count)
	}
	// Requests 2 to 20 were due 10 ms apart while the server stalled for
	// 400 ms: most of them waited over 100 ms.
	if res.Latency.P50 < 100 {
		t.Errorf("median latency %.1fms: the stall was not charged to the requests it delayed", res.Latency.P50)
	}
}

func TestFailuresAreCountedByKind(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	s.silentAfter = true
	res := run(t, Config{URL: s.url(), Connections: 1, Requests: 6})
	if res.Requests != 1 || res.Errors[ClosedEarly] != 5 || res.ErrorCount() != 5 {
		t.Errorf("%d answered, errors %v; want 1 and 5 closed early", res.Requests, res.Errors)
	}
	if res.LastError == "" {
		t.Error("no example error")
	}
}

func TestFirstRequestFailures(t *testing.T) {
	testrig.CheckLeaks(t)
	garbage := newCountServer(t, answerGarbage)
	silent := newCountServer(t, answerSilent)
	for _, tc := range []struct {
		url  string
		want error
		text string
	}{
		{"http://" + refusedAddr(t) + "/", ErrUnreachable, "connection refused"},
		{garbage.url(), ErrNotHTTP, `"SSH-2.0`},
		{silent.url(), ErrNotHTTP, "closed the connection without answering"},
		{"https://" + strings.TrimPrefix(garbage.url(), "http://"), ErrTLSHandshake, "TLS handshake failed with 127.0.0.1:"},
		{"http://[::1/", ErrBadURL, "bad URL"},
		{"ftp://example.com/", ErrBadURL, "scheme"},
		{"", ErrBadURL, "no URL"},
	} {
		_, err := Run(context.Background(), Config{URL: tc.url, Requests: 3, Timeout: 2 * time.Second})
		if !errors.Is(err, tc.want) || err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%q: error %v, want %v containing %q", tc.url, err, tc.want, tc.text)
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "http://x/", Pipeline: 2, NoKeepAlive: true},
		{URL: "http://x/", Pipeline: 2, Rate: 10},
		{URL: "http://x/", Method: "GE T"},
		{URL: "http://x/", Headers: []string{"Connection: close"}},
		{URL: "http://x/", Headers: []string{"no colon"}},
		{URL: "http://x/", Headers: []string{"X: a\nb"}},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestRequestBytes(t *testing.T) {
	p, err := newPlan(Config{URL: "http://h:8/p?q=1", Method: "post", Body: []byte("abc"),
		Headers: []string{"X-A: 1", "User-Agent: me"}, HTTP10: true, Pipeline: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /p?q=1 HTTP/1.0\r\nHost: h:8\r\nX-A: 1\r\nUser-Agent: me\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc"
	if string(p.req) != want || string(p.batch) != want+want {
		t.Errorf("request bytes:\n%q\nwant\n%q", p.req, want)
	}
}

// startHoldfast serves a tiny handler with the holdfast server.
func startHoldfast(t *testing.T, pol holdfast.Policy) (string, *holdfast.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &holdfast.Server{Policy: pol, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Hello, World!"))
	})}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + ln.Addr().String() + "/", srv
}

// A server that closes a connection at its request cap, in the middle of
// a pipelined batch, never serves the requests behind the closing
// response: they are sent again on a new connection, and each request is
// served and counted once, none as an error.
func TestPipelineResendsRequestsAfterAnnouncedClose(t *testing.T) {
	testrig.CheckLeaks(t)
	url, srv := startHoldfast(t, holdfast.Policy{MaxRequests: 4})
	// The first request goes alone, then batches of 2: the 4th request of
	// a connection is always the first of a batch.
	res := run(t, Config{URL: url, Connections: 1, Requests: 21, Pipeline: 2})
	if res.Requests != 21 || res.ErrorCount() != 0 || res.Status[200] != 21 {
		t.Errorf("%d answered, status %v, errors %v (last: %q); want 21 answered, no error", res.Requests, res.Status, res.Errors, res.LastError)
	}
	if served := srv.Stats().Requests; served != 21 {
		t.Errorf("the server served %d requests, want 21", served)
	}
	if res.ConnectionsOpened != 6 {
		t.Errorf("%d connections opened, want 6 (21 requests, 4 per connection)", res.ConnectionsOpened)
	}
}

func TestCompareShowsKeepAliveAhead(t *testing.T) {
	testrig.CheckLeaks(t)
	url, _ := startHoldfast(t, holdfast.Policy{})
	var modes []string
	c, err := Compare(context.Background(), Config{URL: url, Connections: 4, Requests: 200, Timeout: 5 * time.Second},
		func(cfg Config) { modes = append(modes, cfg.ModeName()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(modes) != 2 || !strings.HasPrefix(modes[0], "keep-alive") || !strings.HasPrefix(modes[1], "short") {
		t.Errorf("runs %v", modes)
	}
	ka, sh := c.KeepAlive.ConnectionsPerRequest(), c.Short.ConnectionsPerRequest()
	if sh != 1 || ka > 4.0/200 {
		t.Errorf("connections per request: keep-alive %.3f, short %.3f; want ≤ 0.02 and 1", ka, sh)
	}
	if c.KeepAlive.Requests != 200 || c.Short.Requests != 200 {
		t.Errorf("requests %d and %d, want 200 each", c.KeepAlive.Requests, c.Short.Requests)
	}
	if c.Short.SetupShare() <= 0 || c.KeepAlive.SetupShare() >= c.Short.SetupShare() {
		t.Errorf("setup share keep-alive %.3f, short %.3f", c.KeepAlive.SetupShare(), c.Short.SetupShare())
	}
	var b strings.Builder
	WriteCompareText(&b, c)
	mustContain(t, b.String(), "speed-up", "setup share", "connections/request")
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(js), `"speedup":`, `"keep_alive":{`, `"short":{`, `"connections_per_request":`)
}

func TestCompareRefusesShortPipelines(t *testing.T) {
	if _, err := Compare(context.Background(), Config{URL: "http://x/", Pipeline: 4}, nil); !errors.Is(err, ErrBadConfig) {
		t.Errorf("error %v", err)
	}
}

func TestReports(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	res := run(t, Config{URL: s.url(), Connections: 2, Requests: 50})
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"requests_per_second", "latency_ms", "errors", "connections_opened", "status_codes", "first_byte_ms", "connect_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, js)
		}
	}
	lat, _ := m["latency_ms"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "p99_9", "max"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency_ms lacks %q", k)
		}
	}
	var text strings.Builder
	WriteText(&text, res)
	mustContain(t, text.String(), "req/s", "p99.9", "200: 50", "errors        none", "2 opened")

	var page strings.Builder
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	mustContain(t, html, "<svg", "Latency by percentile", "Throughput over time", "<polyline")
	for _, remote := range []string{"<script src", "<link", "@import", "src=\"http"} {
		if strings.Contains(html, remote) {
			t.Errorf("the page loads %q from elsewhere", remote)
		}
	}
}
