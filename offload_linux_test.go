package holdfast_test

import (
	"net/http"
	"testing"

	"holdfast"
)

// On the epoll engine a handler starts inline on its loop, Offload ends
// that at once (not the monitor a period later), and the loop stops
// counting the handler once its connection is back, pipelined requests
// included.
func TestOffloadEndsInlineServing(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		if e != holdfast.EngineEpoll {
			t.Skip("inline serving is the epoll engine's")
		}
		type seen struct{ before, after bool }
		seenc := make(chan seen, 4)
		ts := newServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var s seen
			s.before = holdfast.ServedInline(r)
			holdfast.Offload(w)
			s.after = holdfast.ServedInline(r)
			seenc <- s
			w.Write([]byte("ok"))
		}))
		c := ts.dial(t)
		c.send("GET /1 HTTP/1.1\r\nHost: test\r\n\r\nGET /2 HTTP/1.1\r\nHost: test\r\n\r\n")
		for i := 0; i < 2; i++ {
			if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "ok" {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
		}
		if s := <-seenc; !s.before || s.after {
			t.Errorf("first request: inline before Offload %v, after %v; want true, false", s.before, s.after)
		}
		if s := <-seenc; s.before || s.after {
			t.Errorf("pipelined request after an Offload: inline %v, %v; want false, false", s.before, s.after)
		}
		c.expectOpen() // the loop has taken the connection back, and serves it inline again
		if s := <-seenc; !s.before || s.after {
			t.Errorf("request after the hand-back: inline before Offload %v, after %v; want true, false", s.before, s.after)
		}
		waitStats(t, ts.Server, "no offloaded handler left", func(holdfast.Stats) bool { return holdfast.Offloaded(ts.Server) == 0 })
	})
}
