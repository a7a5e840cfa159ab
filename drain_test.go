package holdfast_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/testrig"
)

// Shutdown under steady keep-alive load: every request that reached the
// server is answered in full (the client retries an idempotent request
// whose reused connection closed before any response byte; a dial refused
// once the listener closed never reached it), requests in flight are
// answered with Connection: close, and no connection is reset.
func TestShutdownUnderLoad(t *testing.T) {
	const callers, warm = 16, 400
	run(t, func(t *testing.T, e holdfast.Engine) {
		var served atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if served.Add(1)%4 == 0 {
				time.Sleep(2 * time.Millisecond) // some requests are in flight at any time
			}
			w.Write([]byte("ok\n"))
		})
		ts := newServer(t, e, h)
		ld := testrig.StartLoad(t, testrig.LoadConfig{URL: "http://" + ts.addr + "/", Callers: callers, Body: "ok\n", RefusedEnds: true, Limit: 20 * time.Second})
		ld.WaitServed(t, warm)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		ld.Wait()
		t.Log(ld)
		if ld.Failed.Load() != 0 || ld.Resets.Load() != 0 {
			t.Fatalf("%v; the first failure: %v", ld, ld.First())
		}
		if ld.Closing.Load() == 0 || ld.Refused.Load() != callers {
			t.Fatalf("%v: the load did not meet the shutdown", ld)
		}
	})
}

// A connection the server accepted just before it shut down, whose
// request is on its way, is awaited a moment and answered (Connection:
// close): its client would not send the request again on a new connection.
// Kept connections that are idle close at once meanwhile.
func TestShutdownAnswersFirstRequest(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		kept := make([]*client, 4)
		for i := range kept {
			kept[i] = ts.dial(t)
			kept[i].get("/")
		}
		fresh := ts.dial(t)
		waitStats(t, ts.Server, "five connections", func(st holdfast.Stats) bool { return st.ConnectionsAccepted == 5 })
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		for _, c := range kept {
			c.expectClosed()
		}
		fresh.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := fresh.response("GET"); resp.StatusCode != 200 || !resp.Close {
			t.Fatalf("the first request during shutdown: %d, close %v", resp.StatusCode, resp.Close)
		}
		fresh.expectClosed()
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	})
}
