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
