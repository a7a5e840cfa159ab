package proxy_test

import (
	"net"
	"strings"
	"testing"

	"holdfast"
	"holdfast/proxy"
)

// deadUpstream is the URL of a port nobody listens on.
func deadUpstream(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// hangUp answers nothing: it closes the connection once it has read a
// request, as an upstream that crashed on it would.
func hangUp(*seenRequest) string { return "" }

// paths lists the paths of the requests an upstream saw.
func paths(u *rawUpstream) []string {
	var out []string
	for _, r := range u.requests() {
		out = append(out, r.Method+" "+r.URL.Path)
	}
	return out
}

// Requests are sent again only as RFC 9110 §9.2.2 allows: any request
// when nothing of it was sent (the connection failed), an idempotent one
// or one with an Idempotency-Key when it was sent but nothing came back;
// never a POST that was sent, never one whose answer had begun, never one
// whose body is no longer kept, and at most Retries times. One test per
// rule; each runs on both engines.

// retryFront makes a proxy whose first pick is a, then b (round-robin).
func retryFront(t *testing.T, e holdfast.Engine, a, b string, cfg proxy.Config) *front {
	cfg.Upstreams, cfg.Balance = []string{a, b}, proxy.RoundRobin
	return startProxy(t, e, cfg)
}

// sendOne sends req on a new connection to f and reads the answer.
func sendOne(t *testing.T, f *front, req string) (int, string) {
	c := dialRaw(t, f.addr)
	c.send(req)
	method, _, _ := strings.Cut(req, " ")
	resp, body := c.response(method)
	return resp.StatusCode, body
}

// A refused connection: any method goes to the next upstream.
func TestRetryRefused(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		for _, req := range []string{
			"GET /r HTTP/1.1\r\nHost: f\r\n\r\n",
			"POST /r HTTP/1.1\r\nHost: f\r\nContent-Length: 4\r\n\r\nbody",
		} {
			ok := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
			f := retryFront(t, e, deadUpstream(t), ok.url, proxy.Config{})
			if status, body := sendOne(t, f, req); status != 200 || body != "ok" {
				t.Fatalf("%q: %d %q", req, status, body)
			}
			if got := ok.requests(); len(got) != 1 || !strings.HasSuffix(req, got[0].Body) {
				t.Errorf("the live upstream saw %q", paths(ok))
			}
			st := f.Upstreams()
			if st[0].ConnectFailures != 1 || st[1].Retries != 1 {
				t.Errorf("connect failures %d, retries %d; want 1, 1", st[0].ConnectFailures, st[1].Retries)
			}
		}
	})
}

// Sent and unanswered: only idempotent or keyed requests are sent again.
func TestRetrySentUnanswered(t *testing.T) {
	cases := []struct {
		req   string
		retry bool
	}{
		{"GET /r HTTP/1.1\r\nHost: f\r\n\r\n", true},
		{"PUT /r HTTP/1.1\r\nHost: f\r\nContent-Length: 4\r\n\r\nbody", true},
		{"DELETE /r HTTP/1.1\r\nHost: f\r\n\r\n", true},
		{"POST /r HTTP/1.1\r\nHost: f\r\nIdempotency-Key: 42\r\nContent-Length: 4\r\n\r\nbody", true},
		{"POST /r HTTP/1.1\r\nHost: f\r\nContent-Length: 4\r\n\r\nbody", false},
		{"PATCH /r HTTP/1.1\r\nHost: f\r\nContent-Length: 4\r\n\r\nbody", false},
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		for _, tc := range cases {
			bad := startRawUpstream(t, hangUp)
			ok := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
			f := retryFront(t, e, bad.url, ok.url, proxy.Config{})
			status, _ := sendOne(t, f, tc.req)
			if n := len(bad.requests()); n != 1 {
				t.Errorf("%q: the failing upstream saw %d requests, want 1", tc.req, n)
			}
			switch {
			case tc.retry && (status != 200 || len(ok.requests()) != 1):
				t.Errorf("%q: %d, the next upstream saw %q; want 200 after one retry", tc.req, status, paths(ok))
			case !tc.retry && (status != 502 || len(ok.requests()) != 0):
				t.Errorf("%q: %d, the next upstream saw %q; want 502 and no retry", tc.req, status, paths(ok))
			}
			if got := ok.requests(); tc.retry && len(got) == 1 && strings.Contains(tc.req, "body") && got[0].Body != "body" {
				t.Errorf("%q: the retry sent body %q", tc.req, got[0].Body)
			}
		}
	})
}

// An answer that had begun is never asked for again.
func TestNoRetryAfterAnswerBegun(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		bad := startRawUpstream(t, func(*seenRequest) string { return "HTTP/1.1 200 OK\r\nContent-Le" + closeAfter })
		ok := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
		f := retryFront(t, e, bad.url, ok.url, proxy.Config{})
		if status, _ := sendOne(t, f, "GET /r HTTP/1.1\r\nHost: f\r\n\r\n"); status != 502 || len(ok.requests()) != 0 {
			t.Errorf("%d, the next upstream saw %q; want 502 and no retry", status, paths(ok))
		}
	})
}

// A body larger than the replay buffer is no longer kept: no retry.
func TestNoRetryPastReplayBuffer(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		bad := startRawUpstream(t, hangUp)
		ok := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
		f := retryFront(t, e, bad.url, ok.url, proxy.Config{ReplayBuffer: 1024})
		body := strings.Repeat("x", 4096)
		status, _ := sendOne(t, f, "PUT /r HTTP/1.1\r\nHost: f\r\nContent-Length: 4096\r\n\r\n"+body)
		if status != 502 || len(ok.requests()) != 0 {
			t.Errorf("%d, the next upstream saw %q; want 502 and no retry", status, paths(ok))
		}
	})
}

// At most Retries more attempts after the first.
func TestRetriesBounded(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var ups []string
		for i := 0; i < 5; i++ {
			ups = append(ups, deadUpstream(t))
		}
		f := startProxy(t, e, proxy.Config{Upstreams: ups, Retries: 2, EjectAfter: 100})
		if status, _ := sendOne(t, f, "GET /r HTTP/1.1\r\nHost: f\r\n\r\n"); status != 502 {
			t.Errorf("status %d, want 502", status)
		}
		var failures uint64
		for _, st := range f.Upstreams() {
			failures += st.ConnectFailures
		}
		if failures != 3 {
			t.Errorf("%d connection attempts, want 3 (one and two retries)", failures)
		}
	})
}
