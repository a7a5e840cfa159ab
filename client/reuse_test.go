package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

func TestTransportHintMargin(t *testing.T) {
	for _, tc := range []struct {
		t, rtt, want time.Duration
	}{
		{1 * time.Second, 0, 500 * time.Millisecond},
		{5 * time.Second, 0, 500 * time.Millisecond},
		{75 * time.Second, 0, 7500 * time.Millisecond},
		{5 * time.Second, 40 * time.Millisecond, 580 * time.Millisecond},
	} {
		if got := hintMargin(tc.t, tc.rtt); got != tc.want {
			t.Errorf("hintMargin(%v, %v) = %v, want %v", tc.t, tc.rtt, got, tc.want)
		}
	}
}

// A server that advertises Keep-Alive: timeout=1 and really closes idle
// connections after 1 s: connections idle for less than 1 s − margin are
// reused, the others are retired by the Transport first, never raced.
func TestTransportKeepAliveTimeoutHint(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, time.Second, nil, func(int, *http.Request, []byte) []byte {
			return rawResponse(200, "ok", "Keep-Alive: timeout=1")
		})
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL())
	spacings := []time.Duration{200, 300, 700, 950, 1050, 1300, 100}
	reusedWant, retiredWant := 0, uint64(0)
	for _, ms := range spacings {
		d := ms * time.Millisecond
		time.Sleep(d)
		before := tr.Stats()
		if code, _ := get(t, tr, srv.URL()); code != 200 {
			t.Fatalf("status %d", code)
		}
		after := tr.Stats()
		reused := after.Reuses > before.Reuses
		if want := d < 400*time.Millisecond; reused != want {
			t.Errorf("after %v idle: reused %v, want %v", d, reused, want)
		}
		if reused {
			reusedWant++
		} else {
			retiredWant++
		}
	}
	st := tr.Stats()
	if st.ReuseFailures != 0 || st.Closed[CloseStale] != 0 || st.Closed[CloseKeepAliveHint] != retiredWant {
		t.Errorf("reuse failures %d, stale %d, keepalive-hint %d (want %d)",
			st.ReuseFailures, st.Closed[CloseStale], st.Closed[CloseKeepAliveHint], retiredWant)
	}
}

// The own IdleTimeout still wins when it is shorter than the hint.
func TestTransportKeepAliveHintVsIdleTimeout(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(int, *http.Request, []byte) []byte {
			return rawResponse(200, "ok", "Keep-Alive: timeout=60")
		})
	})
	tr := &Transport{IdleTimeout: 100 * time.Millisecond}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL())
	waitFor(t, "the idle timeout", func() bool { return tr.Stats().Closed[CloseIdleTimeout] == 1 })
}

// Keep-Alive: max=M: never more than M further requests on the connection.
func TestTransportKeepAliveMaxHint(t *testing.T) {
	testrig.CheckLeaks(t)
	var violations atomic.Int32
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(n int, _ *http.Request, _ []byte) []byte {
			if n > 3 {
				violations.Add(1)
			}
			return rawResponse(200, "ok", "Keep-Alive: timeout=30, max="+strconv.Itoa(3-n))
		})
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	for i := 0; i < 7; i++ {
		get(t, tr, srv.URL())
	}
	st := tr.Stats()
	if violations.Load() != 0 || st.Dials != 3 || st.Closed[CloseKeepAliveHint] != 2 {
		t.Errorf("violations %d, dials %d, keepalive-hint closes %d", violations.Load(), st.Dials, st.Closed[CloseKeepAliveHint])
	}
}

// Servers that end idle connections after 1 s without a hint: the check
// before reuse sees the FIN, the reset or the unsolicited 408, and the
// connection is discarded instead of failing a request.
func TestTransportStaleConnections(t *testing.T) {
	testrig.CheckLeaks(t)
	cases := []struct {
		name   string
		onIdle func(c net.Conn)
	}{
		{"fin", nil},
		{"408-close", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
		}},
		{"408-open", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"))
			time.Sleep(2 * time.Second) // keeps the connection open while the client looks
		}},
		{"reset", func(c net.Conn) { c.(*net.TCPConn).SetLinger(0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRawServer(t, func(c net.Conn) {
				serveLoop(c, time.Second, tc.onIdle, func(int, *http.Request, []byte) []byte {
					return rawResponse(200, "ok")
				})
			})
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			for i := 0; i < 3; i++ {
				if i > 0 {
					time.Sleep(1300 * time.Millisecond)
				}
				if code, body := get(t, tr, srv.URL()); code != 200 || body != "ok" {
					t.Fatalf("request %d: %d %q", i, code, body)
				}
			}
			st := tr.Stats()
			if st.Closed[CloseStale] != 2 || st.ReuseFailures != 0 || st.Dials != 3 {
				t.Errorf("stale %d, reuse failures %d, dials %d", st.Closed[CloseStale], st.ReuseFailures, st.Dials)
			}
		})
	}
}

// racingServer answers the first request of each connection, then reads
// the second and closes without answering (with a reset if rst): the server
// side of a lost reuse race, made deterministic.
func racingServer(t *testing.T, rst bool, seen *[]string, mu *sync.Mutex) *rawServer {
	return newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(n int, req *http.Request, body []byte) []byte {
			mu.Lock()
			*seen = append(*seen, req.Method+" "+string(body))
			mu.Unlock()
			if n == 1 {
				return rawResponse(200, "ok:"+string(body))
			}
			if rst {
				c.(*net.TCPConn).SetLinger(0)
			}
			return nil
		})
	})
}

func TestTransportRetryAfterReuseRace(t *testing.T) {
	type request struct {
		name, method string
		body         func() io.Reader
		header       string
		noGetBody    bool
		retried      bool
		why          string
	}
	requests := []request{
		{name: "GET", method: "GET", retried: true},
		{name: "HEAD", method: "HEAD", retried: true},
		{name: "PUT", method: "PUT", body: func() io.Reader { return strings.NewReader("put-body") }, retried: true},
		{name: "DELETE", method: "DELETE", retried: true},
		{name: "POST", method: "POST", body: func() io.Reader { return strings.NewReader("post-body") }, why: "not idempotent"},
		{name: "POST-idempotency-key", method: "POST", body: func() io.Reader { return strings.NewReader("k") }, header: "Idempotency-Key", retried: true},
		{name: "PUT-no-GetBody", method: "PUT", body: func() io.Reader { return strings.NewReader("x") }, noGetBody: true, why: "GetBody"},
	}
	for _, rst := range []bool{false, true} {
		for _, rq := range requests {
			name := rq.name
			if rst {
				name += "/reset"
			}
			t.Run(name, func(t *testing.T) {
				testrig.CheckLeaks(t)
				var mu sync.Mutex
				var seen []string
				srv := racingServer(t, rst, &seen, &mu)
				tr := &Transport{}
				defer tr.CloseIdleConnections()
				get(t, tr, srv.URL()) // the connection to reuse
				var body io.Reader
				if rq.body != nil {
					body = rq.body()
				}
				req, _ := http.NewRequest(rq.method, srv.URL(), body)
				if rq.header != "" {
					req.Header.Set(rq.header, "abc")
				}
				if rq.noGetBody {
					req.GetBody = nil
				}
				resp, err := tr.RoundTrip(req)
				st := tr.Stats()
				if st.ReuseFailures != 1 {
					t.Errorf("reuse failures %d, want 1", st.ReuseFailures)
				}
				if !rq.retried {
					if err == nil {
						resp.Body.Close()
						t.Fatal("a request that may not be retried succeeded")
					}
					if !errors.Is(err, ErrReusedConnClosed) || !strings.Contains(err.Error(), rq.why) || !strings.Contains(err.Error(), "reused") {
						t.Errorf("error: %v", err)
					}
					if st.Retries != 0 || st.Dials != 1 {
						t.Errorf("retries %d, dials %d", st.Retries, st.Dials)
					}
					return
				}
				if err != nil {
					t.Fatalf("retry failed: %v", err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rq.body != nil && string(got) != "ok:"+func() string { b, _ := io.ReadAll(rq.body()); return string(b) }() {
					t.Errorf("the retried body did not arrive whole: %q", got)
				}
				if st.Retries != 1 || st.Dials != 2 {
					t.Errorf("retries %d, dials %d", st.Retries, st.Dials)
				}
			})
		}
	}
}

// The retry dials a new connection even when other idle ones are pooled:
// they are as old as the one that failed.
func TestTransportRetryDialsNew(t *testing.T) {
	testrig.CheckLeaks(t)
	var mu sync.Mutex
	var seen []string
	srv := racingServer(t, false, &seen, &mu)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	var resps []*http.Response
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", srv.URL(), nil)
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
	if code, _ := get(t, tr, srv.URL()); code != 200 {
		t.Fatalf("status %d", code)
	}
	st := tr.Stats()
	if st.Dials != 3 || st.Retries != 1 || st.Hosts[strings.TrimPrefix(srv.URL(), "http://")].Idle != 2 {
		t.Errorf("dials %d, retries %d, hosts %+v", st.Dials, st.Retries, st.Hosts)
	}
}

// A 408 that arrives as the request is sent (not before, when the check
// would see it) is the reuse race too.
func TestTransport408OnReusedConnection(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(n int, _ *http.Request, _ []byte) []byte {
			if n == 2 {
				return []byte("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			}
			return rawResponse(200, "ok")
		})
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL())
	if code, _ := get(t, tr, srv.URL()); code != 200 {
		t.Errorf("status %d", code)
	}
	// A POST gets the 408 itself.
	get(t, tr, srv.URL())
	req, _ := http.NewRequest("POST", srv.URL(), strings.NewReader("x"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 408 {
		t.Errorf("POST: status %d", resp.StatusCode)
	}
}

func TestTransportContextCancellation(t *testing.T) {
	testrig.CheckLeaks(t)
	stall := make(chan struct{})
	defer close(stall)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(_ int, req *http.Request, _ []byte) []byte {
			switch req.URL.Path {
			case "/no-answer":
				<-stall
				return nil
			case "/partial-body":
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome"))
				<-stall
				return nil
			}
			return rawResponse(200, "ok")
		})
	})
	noRead := newRawServer(t, func(c net.Conn) { <-stall })

	t.Run("dial", func(t *testing.T) {
		tr := &Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		expectCanceled(t, tr, "GET", srv.URL(), nil)
	})
	t.Run("write", func(t *testing.T) {
		tr := &Transport{}
		expectCanceled(t, tr, "PUT", noRead.URL(), io.LimitReader(zeros{}, 1<<30))
		if st := tr.Stats(); st.Closed[CloseCanceled] != 1 || st.ConnectionsOpen != 0 {
			t.Errorf("stats: %+v", st.Closed)
		}
	})
	t.Run("headers", func(t *testing.T) {
		tr := &Transport{}
		expectCanceled(t, tr, "GET", srv.URL()+"/no-answer", nil)
		if st := tr.Stats(); st.Closed[CloseCanceled] != 1 || st.ConnectionsOpen != 0 {
			t.Errorf("stats: %+v", st.Closed)
		}
	})
	t.Run("body", func(t *testing.T) {
		tr := &Transport{}
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/partial-body", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err = io.ReadAll(resp.Body)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("body read: %v", err)
		}
		resp.Body.Close()
		if st := tr.Stats(); st.Closed[CloseCanceled] != 1 || st.ConnectionsOpen != 0 {
			t.Errorf("stats: %+v", st.Closed)
		}
	})
	t.Run("body-close-unblocks-read", func(t *testing.T) {
		tr := &Transport{}
		req, _ := http.NewRequest("GET", srv.URL()+"/partial-body", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() {
			_, err := io.ReadAll(resp.Body)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		resp.Body.Close()
		if err := <-done; err == nil {
			t.Error("read of a closed body succeeded")
		}
		if st := tr.Stats(); st.ConnectionsOpen != 0 {
			t.Errorf("stats: %+v", st)
		}
	})
	t.Run("response-header-timeout", func(t *testing.T) {
		tr := &Transport{ResponseHeaderTimeout: 50 * time.Millisecond}
		req, _ := http.NewRequest("GET", srv.URL()+"/no-answer", nil)
		_, err := tr.RoundTrip(req)
		var ne net.Error
		if !errors.Is(err, ErrResponseHeaderTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("error: %v", err)
		}
		if st := tr.Stats(); st.Closed[CloseResponseTimeout] != 1 {
			t.Errorf("stats: %+v", st.Closed)
		}
	})
}

// expectCanceled sends a request whose context is cancelled after 50 ms
// and checks that it fails with context.Canceled, promptly.
func expectCanceled(t *testing.T, tr *Transport, method, url string, body io.Reader) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, url, body)
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A connection the server closed moments after its response: a request
// that may be retried skips the check before reuse when the connection was
// used within freshIdle, meets the close, and is retried; one that may
// not be retried is always checked, so the check discards the connection.
func TestTransportFreshReuseSkipsCheck(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, _, err := readRequest(br); err == nil {
			c.Write(rawResponse(200, "ok")) // then close, without a Connection: close
		}
	})
	cases := []struct {
		name, method string
		fresh        time.Duration
		stale, races uint64
	}{
		{"GET-fresh", "GET", time.Hour, 0, 1},
		{"POST-fresh", "POST", time.Hour, 1, 0},
		{"GET-idle", "GET", freshIdle, 1, 0},
	}
	saved := freshIdle
	defer func() { freshIdle = saved }()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			freshIdle = tc.fresh
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			get(t, tr, srv.URL())
			time.Sleep(50 * time.Millisecond) // the FIN arrives; the connection is idle past 5 ms
			req, _ := http.NewRequest(tc.method, srv.URL(), strings.NewReader("x"))
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			st := tr.Stats()
			if st.Closed[CloseStale] != tc.stale || st.ReuseFailures != tc.races || st.Retries != tc.races || st.Dials != 2 {
				t.Errorf("stale %d, reuse failures %d, retries %d, dials %d; want stale %d, races %d, dials 2",
					st.Closed[CloseStale], st.ReuseFailures, st.Retries, st.Dials, tc.stale, tc.races)
			}
		})
	}
}
