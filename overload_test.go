package holdfast_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// A request line that can never be served is answered as soon as it is
// complete (a control byte as soon as it arrives), not at the header
// timeout — here an hour, far beyond the client's read timeout — and the
// connection closes.
func TestBadRequestLineAnsweredAtOnce(t *testing.T) {
	cases := []struct {
		name, send string
		status     int
	}{
		{"HTTP/0.9", "GET /\r\n", 400},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n", 505},
		{"NULs", strings.Repeat("\x00", 4096), 400},
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo, func(s *holdfast.Server) { s.Policy.HeaderTimeout = time.Hour })
		for _, tc := range cases {
			c := ts.dial(t)
			c.send(tc.send)
			resp, _ := c.response("GET")
			if resp.StatusCode != tc.status || !resp.Close {
				t.Errorf("%s: status %d, close %v; want %d and close", tc.name, resp.StatusCode, resp.Close, tc.status)
			}
			c.expectClosed()
		}
		waitStats(t, ts.Server, "protocol errors", closedBy(holdfast.CloseProtocolError, uint64(len(cases))))
	})
}

// heldHandler answers "/hold" only once release is closed, telling started
// when it begins; anything else at once.
func heldHandler(started chan<- struct{}, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			started <- struct{}{}
			<-release
		}
		w.Write([]byte("ok"))
	})
}

// At the cap, a new connection is admitted by shedding the connection
// idle longest; one with a request in flight is never shed, however old.
func TestShedOldestIdleAtCap(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		started, release := make(chan struct{}, 1), make(chan struct{})
		ts := newServer(t, e, heldHandler(started, release), func(s *holdfast.Server) { s.Policy.MaxConns = 3 })
		busy := ts.dial(t) // the oldest: a request in flight
		busy.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
		idle := []*client{ts.dial(t), ts.dial(t)}
		for _, c := range idle {
			c.get("/")
		}
		for i, victim := range idle { // each newcomer sheds the oldest idle one
			c := ts.dial(t)
			if resp, _ := c.get("/"); resp.StatusCode != 200 {
				t.Fatalf("newcomer %d: status %d", i, resp.StatusCode)
			}
			victim.expectClosed()
			waitStats(t, ts.Server, "a shed", closedBy(holdfast.CloseShed, uint64(i+1)))
		}
		close(release)
		if resp, body := busy.response("GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("the busy connection's request: %d %q", resp.StatusCode, body)
		}
		if st := ts.Stats(); st.Closed[holdfast.CloseShed] != 2 {
			t.Fatalf("shed %d, want 2", st.Closed[holdfast.CloseShed])
		}
	})
}

// At the cap with every connection busy, a new connection waits in the
// listen backlog (it is not accepted, nor refused) and is served as soon as
// a connection goes; the error log says why it waits.
func TestCapWaitsWhenNoneIdle(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		started, release := make(chan struct{}, 2), make(chan struct{})
		log := &syncBuffer{}
		ts := newServer(t, e, heldHandler(started, release), func(s *holdfast.Server) {
			s.Policy.MaxConns = 2
			s.ErrorLog = slog.New(slog.NewTextHandler(log, nil))
		})
		busy := []*client{ts.dial(t), ts.dial(t)}
		for _, c := range busy {
			c.send("GET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			<-started
		}
		waiting := ts.dial(t)
		waiting.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if !log.waitFor(ctx, "at the connection cap") {
			t.Fatal("no warning at the cap")
		}
		if st := ts.Stats(); st.ConnectionsAccepted != 2 {
			t.Fatalf("%d connections accepted at a cap of 2 with both busy", st.ConnectionsAccepted)
		}
		close(release)
		for _, c := range busy {
			c.response("GET")
		}
		if resp, body := waiting.response("GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("the waiting connection: %d %q", resp.StatusCode, body)
		}
	})
}

// Near the cap the hold time shrinks, and the Keep-Alive hint says so.
func TestKeepAliveHintShrinksNearCap(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		pol := holdfast.Policy{IdleTimeout: 100 * time.Second, MaxConns: 4}
		ts := newServer(t, e, echo, func(s *holdfast.Server) { s.Policy = pol })
		var conns []*client
		for open := 1; open <= 4; open++ {
			c := ts.dial(t)
			conns = append(conns, c)
			resp, _ := c.get("/")
			hint := resp.Header.Get("Keep-Alive")
			want := pol.HoldTime(open)
			got, err := strconv.Atoi(strings.TrimPrefix(strings.Split(hint, ",")[0], "timeout="))
			// The hint is the hold time in whole seconds, rounded down.
			if err != nil || got > int(want/time.Second) || got < int(want/time.Second)-1 {
				t.Fatalf("%d open: Keep-Alive %q, want timeout=%d", open, hint, int(want/time.Second))
			}
		}
		if pol.HoldTime(1) != 100*time.Second || pol.HoldTime(3) != 50*time.Second || pol.HoldTime(4) != time.Second {
			t.Fatalf("hold times %v %v %v", pol.HoldTime(1), pol.HoldTime(3), pol.HoldTime(4))
		}
	})
}

// Connections beyond the per-address cap are answered 429 and closed; the
// ones below it are served, and a slot freed is a slot to use again.
func TestMaxConnsPerIP(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo, func(s *holdfast.Server) { s.Policy.MaxConnsPerIP = 2 })
		first, second := ts.dial(t), ts.dial(t)
		first.get("/")
		second.get("/")
		third := ts.dial(t)
		third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := third.response("GET"); resp.StatusCode != 429 || !resp.Close {
			t.Fatalf("over the cap: %d, close %v", resp.StatusCode, resp.Close)
		}
		third.expectClosed()
		waitStats(t, ts.Server, "an ip-limit close", closedBy(holdfast.CloseIPLimit, 1))
		first.nc.Close()
		waitStats(t, ts.Server, "the first connection gone", closedBy(holdfast.CloseClient, 1))
		if resp, _ := ts.dial(t).get("/"); resp.StatusCode != 200 {
			t.Fatalf("below the cap again: %d", resp.StatusCode)
		}
		second.expectOpen()
	})
}

// A body that trickles in slower than Policy.MinBodyRate is answered 408
// and closed once the grace second has passed, although each wait for
// bytes is far shorter than BodyTimeout; a body that arrives in time is
// read whole.
func TestMinBodyRate(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, readAll, func(s *holdfast.Server) { s.Policy.MinBodyRate = 1000 })
		fast := ts.dial(t)
		fast.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n" + strings.Repeat("a", 3000))
		if resp, _ := fast.response("POST"); resp.StatusCode != 200 {
			t.Fatalf("a body in time: status %d", resp.StatusCode)
		}
		slow := ts.dial(t)
		slow.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
		stop := make(chan struct{})
		trickled := make(chan struct{})
		go func() { // 10 bytes every 50 ms: 200 B/s, for at most 10 s
			defer close(trickled)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for range 200 {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := slow.nc.Write([]byte("0123456789")); err != nil {
					return
				}
			}
		}()
		resp, _ := slow.response("POST")
		close(stop)
		<-trickled
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
			t.Fatalf("a trickled body: status %d, close %v; want 408 and close", resp.StatusCode, resp.Close)
		}
		slow.expectClosed()
		waitStats(t, ts.Server, "a slow-body close", closedBy(holdfast.CloseSlowBody, 1))
	})
}
