package holdfast_test

import (
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/sockopt"
)

// A connection open before SetPolicy follows the new policy from its next
// response on, and is not closed by the change.
func TestSetPolicyReachesOpenConnections(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID, func(s *holdfast.Server) {
			s.Policy.IdleTimeout = 30 * time.Second
			s.Policy.MaxRequests = 100
		})
		c := ts.dial(t)
		resp, before := c.get("/")
		if got := resp.Header.Get("Keep-Alive"); got != "timeout=30, max=99" {
			t.Fatalf("before the change: Keep-Alive %q", got)
		}
		if err := ts.SetPolicy(holdfast.Policy{IdleTimeout: 9 * time.Second, MaxRequests: 3}); err != nil {
			t.Fatal(err)
		}
		resp, after := c.get("/")
		if got := resp.Header.Get("Keep-Alive"); got != "timeout=9, max=1" {
			t.Fatalf("after the change: Keep-Alive %q, want the new policy's", got)
		}
		if before[:2] != after[:2] || resp.Close {
			t.Fatalf("the change closed the connection: %q then %q, close=%v", before, after, resp.Close)
		}
		// The third request is the new cap's last.
		if resp, _ := c.get("/"); !resp.Close {
			t.Fatal("the new request cap did not close the connection")
		}
		c.expectClosed()
		if got := ts.Policy.IdleTimeout; got != 30*time.Second {
			t.Fatalf("SetPolicy changed the Policy field to %v", got)
		}
	})
}

// Connections accepted after SetPolicy get its TCP options, on the epoll
// engine too, whose sockets inherit them from the listener.
func TestSetPolicyTCPOptions(t *testing.T) {
	if !sockopt.Supported {
		t.Skip("reading socket options back needs Linux")
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, sockOpts)
		if got := readSockOpts(t, ts.dial(t)); got.Idle != holdfast.DefaultTCPKeepAliveIdle {
			t.Fatalf("before the change: %+v", got)
		}
		p := holdfast.Policy{TCPKeepAliveIdle: 3 * time.Second, TCPKeepAliveInterval: time.Second, TCPKeepAliveCount: 2, TCPUserTimeout: 4 * time.Second}
		if err := ts.SetPolicy(p); err != nil {
			t.Fatal(err)
		}
		want := sockopt.Options{KeepAlive: true, Idle: 3 * time.Second, Interval: time.Second, Count: 2, UserTimeout: 4 * time.Second}
		if got := readSockOpts(t, ts.dial(t)); got != want {
			t.Fatalf("after the change: %+v, want %+v", got, want)
		}
	})
}

// A connection counted under one per-address cap is released when it goes
// even if SetPolicy lifted the cap meanwhile: put back, the cap finds the
// address's slots free again.
func TestSetPolicyPerAddressCount(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo, func(s *holdfast.Server) { s.Policy.MaxConnsPerIP = 1 })
		first := ts.dial(t)
		first.get("/")
		if err := ts.SetPolicy(holdfast.Policy{}); err != nil {
			t.Fatal(err)
		}
		first.nc.Close()
		waitStats(t, ts.Server, "the first connection gone", closedBy(holdfast.CloseClient, 1))
		if err := ts.SetPolicy(holdfast.Policy{MaxConnsPerIP: 1}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := ts.dial(t).get("/"); resp.StatusCode != 200 {
			t.Fatalf("the address's only connection: %d, want it served", resp.StatusCode)
		}
	})
}
