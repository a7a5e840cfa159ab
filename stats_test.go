package holdfast_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
)

// One kept connection moves every figure a gather adds up: open by state
// while it lives, then the closed tallies and histograms, and the totals
// stay where they were when it leaves the open set.
func TestStatsGather(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.get("/one")
		st := waitStats(t, ts.Server, "one idle connection", func(st holdfast.Stats) bool { return st.OpenByState[holdfast.StateIdle] == 1 })
		if st.ConnectionsOpen != 1 || st.ConnectionsAccepted != 1 || st.Requests != 1 || st.RequestsReused != 0 || st.IdleBeforeReuse.Count != 0 {
			t.Fatalf("after one request: %+v", st)
		}
		c.get("/two")
		// The response's bytes are counted once written, which may be
		// after the client read them: idle again, the count is whole.
		st = waitStats(t, ts.Server, "idle after the second request", func(st holdfast.Stats) bool {
			return st.Requests == 2 && st.OpenByState[holdfast.StateIdle] == 1
		})
		if st.Requests != 2 || st.RequestsReused != 1 || st.IdleBeforeReuse.Count != 1 || st.BytesIn == 0 || st.BytesOut == 0 {
			t.Fatalf("after a reuse: %+v", st)
		}
		in, out := st.BytesIn, st.BytesOut
		c.nc.Close()
		st = waitStats(t, ts.Server, "the close", closedBy(holdfast.CloseClient, 1))
		if st.ConnectionsOpen != 0 || st.Requests != 2 || st.RequestsReused != 1 || st.BytesIn != in || st.BytesOut != out {
			t.Fatalf("totals moved as the connection closed: %+v", st)
		}
		if h := st.RequestsPerConnection; h.Count != 1 || h.Sum != 2 || h.Buckets[2].Count != 1 || h.Buckets[1].Count != 0 {
			t.Fatalf("requests per connection: %+v", h)
		}
		if h := st.ConnectionDuration; h.Count != 1 || h.Sum <= 0 {
			t.Fatalf("connection duration: %+v", h)
		}
		for state, n := range st.OpenByState {
			if n != 0 {
				t.Errorf("open in state %v: %d", state, n)
			}
		}
		if len(st.OpenByState) != 8 {
			t.Errorf("%d states listed, want every state but closed: %v", len(st.OpenByState), st.OpenByState)
		}
	})
}

// Pipelined requests reuse the connection but never waited idle.
func TestStatsPipelinedNotIdle(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
		c.response("GET")
		c.response("GET")
		st := waitStats(t, ts.Server, "two requests", func(st holdfast.Stats) bool { return st.Requests == 2 })
		if st.RequestsReused != 1 || st.IdleBeforeReuse.Count != 0 {
			t.Fatalf("pipelined: reused %d, idle observations %d; want 1, 0", st.RequestsReused, st.IdleBeforeReuse.Count)
		}
	})
}

// A hijacked connection leaves the open set, counted as hijacked, not
// closed; its request stays counted.
func TestStatsHijacked(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		nc.Close()
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.expectClosed()
		st := waitStats(t, ts.Server, "hijacked", func(st holdfast.Stats) bool { return st.ConnectionsHijacked == 1 && st.ConnectionsOpen == 0 })
		if st.Requests != 1 || totalClosed(st) != 0 || st.RequestsPerConnection.Count != 0 {
			t.Fatalf("after a hijack: %+v", st)
		}
	})
}

// Totals gathered while connections come, serve and go never go down, and
// every accepted connection is open or closed.
func TestStatsMonotonic(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 30 {
					c := ts.dial(t)
					c.get("/a")
					c.get("/b")
					c.nc.Close()
				}
			})
		}
		go func() { wg.Wait(); close(done) }()
		var prev holdfast.Stats
		for gathers := 0; ; gathers++ {
			st := ts.Stats()
			if st.Requests < prev.Requests || st.RequestsReused < prev.RequestsReused || st.BytesIn < prev.BytesIn ||
				st.ConnectionsAccepted < prev.ConnectionsAccepted || totalClosed(st) < totalClosed(prev) {
				t.Fatalf("a total went down:\nbefore %+v\nafter  %+v", prev, st)
			}
			if closed := totalClosed(st); st.ConnectionsAccepted != closed+uint64(st.ConnectionsOpen) {
				t.Fatalf("accepted %d, closed %d, open %d", st.ConnectionsAccepted, closed, st.ConnectionsOpen)
			}
			prev = st
			select {
			case <-done:
				if gathers == 0 {
					t.Log("the load ended before a gather ran alongside it")
				}
				return
			default:
			}
		}
	})
}

// jsonLog is a slog JSON logger into a buffer, safe for the server's
// goroutines.
type jsonLog struct{ syncBuffer }

func (l *jsonLog) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// records returns the records logged with message msg.
func (l *jsonLog) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// The access log tells each request's connection, number on it and
// reuse; the connection log tells each connection's end.
func TestAccessAndConnectionLogs(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var access, conns jsonLog
		ts := newServer(t, e, connID, func(s *holdfast.Server) {
			s.AccessLog = access.logger()
			s.ConnectionLog = conns.logger()
			s.Policy.MaxRequests = 2
		})
		c := ts.dial(t)
		c.get("/first")
		c.get("/second")
		c.expectClosed()
		waitStats(t, ts.Server, "the close", closedBy(holdfast.CloseMaxRequests, 1))
		reqs := access.records(t, "request")
		if len(reqs) != 2 {
			t.Fatalf("%d access records, want 2", len(reqs))
		}
		first, second := reqs[0], reqs[1]
		if first["req"] != 1.0 || first["reused"] != false || first["keep"] != true || first["target"] != "/first" || first["status"] != 200.0 {
			t.Errorf("first request: %v", first)
		}
		if second["req"] != 2.0 || second["reused"] != true || second["keep"] != false || second["close_reason"] != "max-requests" {
			t.Errorf("second request: %v", second)
		}
		if first["conn"] != second["conn"] || first["conn"] == nil {
			t.Errorf("conn ids %v and %v, want one connection", first["conn"], second["conn"])
		}
		closes := conns.records(t, "connection closed")
		if len(closes) != 1 {
			t.Fatalf("%d connection records, want 1", len(closes))
		}
		cl := closes[0]
		if cl["conn"] != first["conn"] || cl["reason"] != "max-requests" || cl["requests"] != 2.0 ||
			cl["bytes_in"].(float64) <= 0 || cl["bytes_out"].(float64) <= 0 || cl["age"].(float64) <= 0 {
			t.Errorf("connection record: %v", cl)
		}
	})
}

// A flood of handler panics is logged once per interval, with the count
// of those dropped, not once per request.
func TestPanicFloodLoggedOnce(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	run(t, func(t *testing.T, e holdfast.Engine) {
		var errs jsonLog
		ts := newServer(t, e, boom, func(s *holdfast.Server) { s.ErrorLog = errs.logger() })
		const flood = 40
		start := time.Now()
		for range flood {
			c := ts.dial(t)
			if resp, _ := c.get("/"); resp.StatusCode != 500 {
				t.Fatalf("status %d, want 500", resp.StatusCode)
			}
			c.expectClosed()
		}
		elapsed := time.Since(start)
		got := errs.records(t, "handler panic")
		// One per interval begun while the flood lasted.
		allowed := 1 + int(elapsed/holdfast.ErrorLogInterval)
		if len(got) == 0 || len(got) > allowed {
			t.Fatalf("%d panic records for %d panics over %v, want 1 to %d", len(got), flood, elapsed, allowed)
		}
		if got[0]["panic"] != "boom" || got[0]["stack"] == nil || got[0]["target"] != "/" {
			t.Errorf("panic record: %v", got[0])
		}
	})
}
