package holdfast_test

import (
	"net/http"
	"runtime"
	"testing"
	"time"

	"holdfast"
)

// A handler that offloads and then waits (for an upstream, here a
// channel) leaves its connection's loop to the other connections: with one
// loop, a second connection is answered while the first request waits, and
// the first is answered and its connection kept once it is released.
func TestOffloadedHandlerLeavesTheLoopToOthers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one loop: both connections share it
	run(t, func(t *testing.T, e holdfast.Engine) {
		started, release := make(chan struct{}), make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) {
			holdfast.Offload(w)
			close(started)
			select {
			case <-release:
			case <-time.After(ioTimeout):
			}
			w.Write([]byte("waited"))
		})
		mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("fast")) })
		ts := newServer(t, e, mux)
		slow, fast := ts.dial(t), ts.dial(t)
		slow.send("GET /wait HTTP/1.1\r\nHost: test\r\n\r\n")
		<-started
		for i := 0; i < 3; i++ {
			if _, body := fast.get("/fast"); body != "fast" {
				t.Fatalf("fast route answered %q while the slow one waited", body)
			}
		}
		// New connections too, each a new accept and a new request on the
		// loop while the offloaded handler is out.
		for i := 0; i < 100; i++ {
			c := ts.dial(t)
			if _, body := c.get("/fast"); body != "fast" {
				t.Fatalf("new connection %d answered %q while the slow one waited", i, body)
			}
			c.nc.Close()
		}
		close(release)
		if resp, body := slow.response("GET"); resp.StatusCode != 200 || body != "waited" {
			t.Fatalf("offloaded request: %d %q", resp.StatusCode, body)
		}
		for _, c := range []*client{slow, fast} {
			if _, body := c.get("/fast"); body != "fast" {
				t.Fatalf("kept connection answered %q", body)
			}
		}
	})
}

// Offload finds the server's writer under a wrapper with Unwrap, and a
// second call, or a call from a handler of net/http, does nothing.
func TestOffloadThroughWrappersAndTwice(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			holdfast.Offload(wrappedWriter{w})
			holdfast.Offload(w)
			w.Write([]byte("ok"))
		}))
		c := ts.dial(t)
		for i := 0; i < 3; i++ {
			if resp, body := c.get("/"); resp.StatusCode != 200 || body != "ok" {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
		}
	})
	holdfast.Offload(nil)
	holdfast.Offload(wrappedWriter{})
}

type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
