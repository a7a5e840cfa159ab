package holdfast

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The ownership checks fire when a goroutine other than the loop's
// touches loop-owned state. Every other test runs with them on and
// TestMain fails the run on any failure; here they fail on purpose.

func TestOwnerCheckOtherGoroutine(t *testing.T) {
	ownerCheckOn(t)
	s := &Server{}
	s.init()
	l, err := newLoop(s, &epollEngine{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.poll.Close()
	c := &loopConn{l: l, fd: -1}
	c.srv = s

	// The loop's own goroutine may arm the connection's deadline.
	done := make(chan uint64)
	go func() {
		l.claim()
		l.armIdle(c, monotime())
		n, _ := takeOwnerFailures()
		done <- n
	}()
	if n := <-done; n != 0 {
		t.Fatalf("%d checks failed on the loop's own goroutine", n)
	}
	// Any other may not.
	l.armIdle(c, monotime())
	expectOwnerFailure(t, "not by the loop's")
}

// A handler running inline on the loop is the serving side: it may not
// touch the loop's state, neither while it runs inline nor once the loop
// has been taken over from it (its goroutine is then no longer the loop's).
func TestOwnerCheckHandler(t *testing.T) {
	ownerCheckOn(t)
	for _, tc := range []struct {
		name     string
		takeOver bool
		want     string
	}{
		{"inline", false, "loop state touched"},
		{"after takeover", true, "not by the loop's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c := r.Context().Value(connSelfKey{}).(*conn).ex.wire.(*loopConn)
				if tc.takeOver {
					waitTakenOver(t, c)
				}
				c.l.own() // as any loop-owned operation does on entry
			})
			serveOne(t, h)
			expectOwnerFailure(t, tc.want)
		})
	}
}

func ownerCheckOn(t *testing.T) {
	t.Helper()
	if !checkOwner.Load() {
		t.Skip("ownership checks are off (a benchmark run)")
	}
	if n, first := takeOwnerFailures(); n != 0 {
		t.Errorf("%d ownership checks failed before this test; the first:\n%s", n, first)
	}
}

func expectOwnerFailure(t *testing.T, want string) {
	t.Helper()
	n, first := takeOwnerFailures()
	if n != 1 || !strings.Contains(first, want) {
		t.Fatalf("%d checks failed, want 1 (%q); first:\n%s", n, want, first)
	}
}

// waitTakenOver waits, from a handler running inline, until the monitor
// hands the loop to another goroutine.
func waitTakenOver(t *testing.T, c *loopConn) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if c.l.inlineSeq.Load() != c.ex.inlineSeq {
			return
		}
	}
	t.Error("the loop was never taken over")
}

// serveOne serves one request with h on the epoll engine.
func serveOne(t *testing.T, h http.Handler) {
	t.Helper()
	serveRequests(t, h, 1)
}

// serveRequests serves n requests with h on the epoll engine, one after
// another on one connection.
func serveRequests(t *testing.T, h http.Handler, n int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, Engine: EngineEpoll}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	defer func() {
		s.Close()
		<-errc
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	for range n {
		if _, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
