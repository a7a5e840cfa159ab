package holdfast_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/sockopt"
)

// Shutdown while requests are in flight: none fails, each carries
// Connection: close, idle connections close at once, and Shutdown returns
// once all are gone, leaving no goroutine behind (run checks).
func TestShutdownDrains(t *testing.T) {
	const inflight = 8
	run(t, func(t *testing.T, e holdfast.Engine) {
		started := make(chan struct{}, inflight)
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				started <- struct{}{}
				<-release
			}
			w.Write([]byte("done"))
		})
		ts := newServer(t, e, h)
		idle := make([]*client, 4)
		for i := range idle {
			idle[i] = ts.dial(t)
			idle[i].get("/")
		}
		var wg sync.WaitGroup
		results := make(chan string, inflight)
		for i := 0; i < inflight; i++ {
			c := ts.dial(t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
				resp, body := c.response("GET")
				if resp.StatusCode != 200 || body != "done" || !resp.Close {
					results <- "in-flight request failed or kept its connection"
				}
				c.expectClosed()
			}()
		}
		for i := 0; i < inflight; i++ {
			<-started
		}
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		// Idle connections close at once, while requests are still held.
		for _, c := range idle {
			c.expectClosed()
		}
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with requests in flight", err)
		default:
		}
		close(release)
		wg.Wait()
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		close(results)
		for r := range results {
			t.Error(r)
		}
		st := ts.Stats()
		if st.ConnectionsOpen != 0 || st.Closed[holdfast.CloseShutdown] != uint64(len(idle)+inflight) {
			t.Fatalf("open %d, shutdown closes %d", st.ConnectionsOpen, st.Closed[holdfast.CloseShutdown])
		}
	})
}

// A kept connection whose next head has started is not idle: Shutdown
// waits for the head, answers it with Connection: close, and returns once
// it is sent.
func TestShutdownFinishesStartedHead(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		idle := ts.dial(t) // closed by Shutdown at once: the sign it has begun
		idle.get("/")
		c := ts.dial(t)
		c.get("/first") // a kept connection, not one awaited for its first request
		before := ts.Stats().BytesIn
		part := "GET /late HTTP/1.1\r\nHost: x\r\n"
		c.send(part)
		waitStats(t, ts.Server, "the head started", func(st holdfast.Stats) bool {
			return st.OpenByState[holdfast.StateReadingHead] == 1 && st.BytesIn == before+uint64(len(part))
		})
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		idle.expectClosed()
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a head started", err)
		default:
		}
		c.send("\r\n")
		resp, body := c.response("GET")
		if resp.StatusCode != 200 || body != "GET /late " || !resp.Close {
			t.Fatalf("status %d, body %q, close %v; want 200, the echo and close", resp.StatusCode, body, resp.Close)
		}
		c.expectClosed()
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	})
}

func TestShutdownDeadline(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		waitStats(t, ts.Server, "a request", func(st holdfast.Stats) bool { return st.Requests == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ts.Shutdown(ctx); err != context.DeadlineExceeded {
			t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
		}
		close(release)
		c.response("GET")
	})
}

func TestServeAfterShutdown(t *testing.T) {
	s := &holdfast.Server{}
	s.Shutdown(context.Background())
	if err := s.ListenAndServe(); err != holdfast.ErrServerClosed {
		t.Fatalf("got %v", err)
	}
}

// sockOpts answers with the TCP options of the server's socket, as JSON.
var sockOpts = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	o, err := holdfast.SocketOptions(r)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	json.NewEncoder(w).Encode(o)
})

func readSockOpts(t *testing.T, c *client) sockopt.Options {
	t.Helper()
	resp, body := c.get("/")
	var o sockopt.Options
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &o) != nil {
		t.Fatalf("reading socket options: %d %s", resp.StatusCode, body)
	}
	return o
}

// The policy's TCP options are set on every accepted socket (read back
// with getsockopt), whether the socket inherits them from a TCP listener
// or, behind an MPTCP listener (which refuses TCP_USER_TIMEOUT), gets the
// user timeout on its own.
func TestTCPOptionsApplied(t *testing.T) {
	if !sockopt.Supported {
		t.Skip("TCP_USER_TIMEOUT is not available on this system")
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		for _, tc := range []struct {
			name   string
			policy holdfast.Policy
			want   sockopt.Options
		}{
			{"defaults", holdfast.Policy{}, sockopt.Options{KeepAlive: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 4, UserTimeout: 70 * time.Second}},
			{"custom", holdfast.Policy{TCPKeepAliveIdle: 2 * time.Second, TCPKeepAliveInterval: time.Second, TCPKeepAliveCount: 3, TCPUserTimeout: 3 * time.Second},
				sockopt.Options{KeepAlive: true, Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 3 * time.Second}},
			{"classic", holdfast.Policy{}.ClassicTCPKeepAlive(), sockopt.Options{KeepAlive: true, Idle: 2 * time.Hour, Interval: 75 * time.Second, Count: 10}},
		} {
			for _, mptcp := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/mptcp=%v", tc.name, mptcp), func(t *testing.T) {
					var lc net.ListenConfig
					lc.SetMultipathTCP(mptcp)
					l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
					if err != nil {
						t.Fatal(err)
					}
					ts := newServerOn(t, l, e, sockOpts, func(s *holdfast.Server) { s.Policy = tc.policy })
					if got := readSockOpts(t, ts.dial(t)); got != tc.want {
						t.Fatalf("got %+v, want %+v", got, tc.want)
					}
				})
			}
		}
	})
}

func TestTCPKeepAliveOff(t *testing.T) {
	if !sockopt.Supported {
		t.Skip("reading socket options back needs Linux")
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, sockOpts, func(s *holdfast.Server) { s.Policy.TCPKeepAlive = holdfast.Off })
		if got := readSockOpts(t, ts.dial(t)); got.KeepAlive || got.UserTimeout != 0 {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestConnectionsSnapshot(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.get("/")
		c.get("/")
		var infos []holdfast.ConnInfo
		waitStats(t, ts.Server, "an idle connection", func(holdfast.Stats) bool {
			infos = ts.Connections()
			return len(infos) == 1 && infos[0].State == holdfast.StateIdle
		})
		ci := infos[0]
		if ci.Requests != 2 || ci.Remote != c.nc.LocalAddr().String() || ci.BytesIn == 0 || ci.BytesOut == 0 || ci.Age < ci.Idle {
			t.Fatalf("%+v", ci)
		}
	})
}
