package holdfast_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/netns"
	"holdfast/internal/sockopt"
)

// Dead peers, found by TCP keepalive and TCP_USER_TIMEOUT on real kernels.
// The client lives in a network namespace of internal/netns and crashes,
// reboots or loses its path; each connection must close with the precise
// reason, counted in the stats, within the bound its settings promise, and
// a handler that was streaming to it must see its context cancelled.
// docs/keepalive.md explains the numbers.

// Aggressive settings, so that every verdict comes within seconds.
const (
	dpIdle     = 2 * time.Second
	dpInterval = time.Second
	dpCount    = 3
	// dpVerdict is when unanswered probes end a connection, counted from
	// the last segment the peer sent (before the fault).
	dpVerdict = dpIdle + dpInterval*dpCount
	// dpGrace is what a close may take beyond the kernel's verdict: the
	// engine's reaction and the tests' polling.
	dpGrace = time.Second
	// dpBound caps every wait of these tests, so that a broken engine
	// fails them instead of hanging them.
	dpBound = 20 * time.Second
)

// dpPolicy is the server's policy in these tests: the hold time far above
// the keepalive verdict, so that only the dead-peer machinery can close,
// and TCP_USER_TIMEOUT at its default, idle + interval × count.
func dpPolicy() holdfast.Policy {
	return holdfast.Policy{
		IdleTimeout:          time.Minute,
		TCPKeepAliveIdle:     dpIdle,
		TCPKeepAliveInterval: dpInterval,
		TCPKeepAliveCount:    dpCount,
	}
}

// concurrently runs each case as a subtest, all at once, and returns when
// all have ended. The cases spend their time waiting for kernel timers, so
// limiting them to -parallel (the number of CPUs by default) would only
// add the waits up. Each case builds its own namespaces.
func concurrently(t *testing.T, names []string, f func(t *testing.T, name string)) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() { t.Run(name, func(t *testing.T) { f(t, name) }) })
	}
	wg.Wait()
}

// Scenarios of a client host that dies (or not), with what its server's
// connections must close with and how soon after the fault.
var dpScenarios = []struct {
	name  string
	fault func(tp *netns.Topology, conns ...net.Conn) error
	want  holdfast.CloseReason
	limit time.Duration
}{
	{"crash", func(tp *netns.Topology, _ ...net.Conn) error { return tp.Client.Crash() },
		holdfast.CloseKeepAliveTimeout, dpVerdict + dpGrace},
	// The first probe reaches the rebooted kernel, which resets.
	{"reboot", func(tp *netns.Topology, conns ...net.Conn) error { return tp.Client.Reboot(conns...) },
		holdfast.ClosePeerReset, dpIdle + dpGrace},
	{"broken-path", func(tp *netns.Topology, _ ...net.Conn) error { return tp.BreakPath() },
		holdfast.CloseKeepAliveTimeout, dpVerdict + dpGrace},
}

// An idle keep-alive connection and one in the middle of a streamed
// response, to one client host: kept while the client answers its probes,
// closed with the precise reason when the host crashes, reboots or becomes
// unreachable.
func TestDeadPeer(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		names := []string{"alive"}
		for _, sc := range dpScenarios {
			names = append(names, sc.name)
		}
		concurrently(t, names, func(t *testing.T, name string) {
			tp := netns.New(t)
			s := startDPServer(t, tp, e, dpPolicy())
			idle, idleID := s.idleConn(t, tp)
			stream, st := s.streamConn(t, tp)
			if name == "alive" {
				dpAlive(t, s, idle, stream, idleID, st)
				return
			}
			for _, sc := range dpScenarios {
				if sc.name == name {
					start := time.Now()
					if err := sc.fault(tp, idle.nc, stream.nc); err != nil {
						t.Fatal(err)
					}
					s.expectClosed(t, start, sc.want, sc.limit, idleID, st)
				}
			}
		})
	})
}

// dpAlive checks that a client that answers its probes keeps both
// connections through five probe rounds, counted by the client's kernel.
func dpAlive(t *testing.T, s *dpServer, idle *client, stream *dpStreamClient, idleID uint64, st *dpStream) {
	const rounds = 5
	base := []uint32{segsIn(t, idle.nc), segsIn(t, stream.nc)}
	start := time.Now()
	deadline := start.Add(rounds*dpIdle + dpBound/2)
	for i, nc := range []net.Conn{idle.nc, stream.nc} {
		for got := uint32(0); got < rounds; got = segsIn(t, nc) - base[i] {
			if time.Now().After(deadline) {
				t.Fatalf("connection %d: %d probes in %v, want %d", i, got, time.Since(start), rounds)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("%d probe rounds answered in %v", rounds, time.Since(start).Round(time.Millisecond))
	if closed := totalClosed(s.Stats()); closed != 0 {
		t.Fatalf("%d connections closed: %v", closed, s.Stats().Closed)
	}
	for _, id := range []uint64{idleID, st.id} {
		if !s.hasConn(id) {
			t.Fatalf("connection %d gone", id)
		}
	}
	select {
	case at := <-st.canceled:
		t.Fatalf("the streaming handler's context ended after %v", at.Sub(start))
	default:
	}
	idle.expectOpen()
	st.more <- struct{}{}
	stream.expectChunk(t, "more\n")
	close(st.release)
	stream.expectEnd(t)
}

// dpServer is a Server in the Server host of a topology. Its handler
// answers /stream with a response that stays open (see dpStream), /hold
// with one that waits before it starts, and anything else with connID.
type dpServer struct {
	*holdfast.Server
	addr    string
	streams chan *dpStream // each /stream or /hold handler, as it starts waiting
}

// dpStream controls one waiting handler.
type dpStream struct {
	id       uint64
	canceled chan time.Time // when the handler saw its context end; buffered
	more     chan struct{}  // each send makes it write and flush a chunk ("more\n")
	release  chan struct{}  // closed: the handler returns
}

func startDPServer(t *testing.T, tp *netns.Topology, e holdfast.Engine, pol holdfast.Policy) *dpServer {
	t.Helper()
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	s := &dpServer{addr: ln.Addr().String(), streams: make(chan *dpStream, 4)}
	s.Server = &holdfast.Server{Handler: s, Engine: e, Policy: pol, ErrorLog: testLogger(t)}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-errc:
		case <-time.After(dpBound):
			t.Error("Serve did not return after Close")
		}
	})
	return s
}

func (s *dpServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/stream" && r.URL.Path != "/hold" && r.URL.Path != "/heedless" {
		connID.ServeHTTP(w, r)
		return
	}
	id, _ := holdfast.ConnIDFromContext(r.Context())
	st := &dpStream{id: id, canceled: make(chan time.Time, 1), more: make(chan struct{}), release: make(chan struct{})}
	hold := r.URL.Path == "/hold"
	if !hold {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
	}
	s.streams <- st
	if r.URL.Path == "/heedless" {
		heedless(w, r, st)
		return
	}
	bound := time.NewTimer(dpBound)
	defer bound.Stop()
	for {
		select {
		case <-r.Context().Done():
			st.canceled <- time.Now()
			return
		case <-st.more:
			io.WriteString(w, "more\n")
			if hold {
				return
			}
			w.(http.Flusher).Flush()
		case <-st.release:
			return
		case <-bound.C:
			return
		}
	}
}

// heedless streams a chunk every 50 ms, and goes on for half a second
// after its context ends, as a handler does that looks at its context only
// now and then: its writes then meet a socket that has already failed.
func heedless(w http.ResponseWriter, r *http.Request, st *dpStream) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var stop <-chan time.Time
	bound := time.NewTimer(dpBound)
	defer bound.Stop()
	for {
		select {
		case <-stop:
			return
		case <-bound.C:
			return
		case <-tick.C:
		}
		if stop == nil && r.Context().Err() != nil {
			st.canceled <- time.Now()
			stop = time.After(500 * time.Millisecond)
		}
		io.WriteString(w, "tick\n")
		w.(http.Flusher).Flush()
	}
}

// dial connects from the client host, without Go's own TCP keepalive: the
// client only answers the server's probes.
func (s *dpServer) dial(t *testing.T, tp *netns.Topology) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), dpBound)
	defer cancel()
	nc, err := tp.Client.Dialer(&net.Dialer{KeepAlive: -1})(ctx, "tcp4", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(2 * dpBound))
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// idleConn opens a connection that served one request and is kept.
func (s *dpServer) idleConn(t *testing.T, tp *netns.Topology) (*client, uint64) {
	t.Helper()
	c := s.dial(t, tp)
	resp, body := c.get("/id")
	id, _, _ := strings.Cut(body, " ")
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || resp.Close {
		t.Fatalf("answer %q, close %v", body, resp.Close)
	}
	return c, n
}

// dpStreamClient reads a streamed response.
type dpStreamClient struct {
	*client
	body *bufio.Reader
}

// streamConn opens a connection whose request, /stream or path if given,
// is being answered: the handler waits.
func (s *dpServer) streamConn(t *testing.T, tp *netns.Topology, path ...string) (*dpStreamClient, *dpStream) {
	t.Helper()
	c := s.dial(t, tp)
	target := "/stream"
	if len(path) > 0 {
		target = path[0]
	}
	c.send("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n")
	sc := &dpStreamClient{client: c}
	if target == "/stream" {
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		// Never closed: Close would drain it, from a client that may be
		// crashed; closing the socket (dial's cleanup) is enough.
		sc.body = bufio.NewReader(resp.Body)
		sc.expectChunk(t, "first\n")
	}
	select {
	case st := <-s.streams:
		return sc, st
	case <-time.After(dpBound):
		t.Fatal("the handler never started")
	}
	return nil, nil
}

func (sc *dpStreamClient) expectChunk(t *testing.T, want string) {
	t.Helper()
	got, err := sc.body.ReadString('\n')
	if err != nil || got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

func (sc *dpStreamClient) expectEnd(t *testing.T) {
	t.Helper()
	if rest, err := io.ReadAll(sc.body); err != nil || len(rest) != 0 {
		t.Fatalf("end of the stream: %q, %v", rest, err)
	}
}

func (s *dpServer) hasConn(id uint64) bool {
	for _, ci := range s.Connections() {
		if ci.ID == id {
			return true
		}
	}
	return false
}

// waitGone waits until connection id is closed and returns when, since
// start; it fails t if that is later than limit.
func (s *dpServer) waitGone(t *testing.T, id uint64, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for s.hasConn(id) {
		if time.Since(start) > limit+dpBound {
			t.Fatalf("connection %d still open after %v", id, time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	if took > limit {
		t.Errorf("connection %d closed after %v, want at most %v", id, took, limit)
	}
	return took
}

// expectClosed checks that the idle connection and the stream's closed
// with reason want within limit of start, and the streaming handler's
// context was cancelled.
func (s *dpServer) expectClosed(t *testing.T, start time.Time, want holdfast.CloseReason, limit time.Duration, idleID uint64, st *dpStream) {
	t.Helper()
	var idleTook time.Duration
	if idleID != 0 {
		idleTook = s.waitGone(t, idleID, start, limit)
	}
	streamTook := s.waitGone(t, st.id, start, limit)
	var canceled time.Duration
	select {
	case at := <-st.canceled:
		canceled = at.Sub(start)
	case <-time.After(dpBound):
		t.Fatal("the streaming handler's context was never cancelled")
	}
	if canceled > limit {
		t.Errorf("handler's context cancelled after %v, want at most %v", canceled, limit)
	}
	n := uint64(1)
	if idleID != 0 {
		n = 2
	}
	stats := waitStats(t, s.Server, want.String(), closedBy(want, n))
	if got := totalClosed(stats); got != n {
		t.Errorf("closed %d connections, want %d: %v", got, n, nonZero(stats.Closed))
	}
	idleSays := "no idle connection"
	if idleID != 0 {
		idleSays = "idle closed after " + idleTook.Round(time.Millisecond).String()
	}
	t.Logf("%v: %s, stream closed after %v, handler cancelled after %v",
		want, idleSays, streamTook.Round(time.Millisecond), canceled.Round(time.Millisecond))
}

func totalClosed(st holdfast.Stats) uint64 {
	var n uint64
	for _, v := range st.Closed {
		n += v
	}
	return n
}

func nonZero(m map[holdfast.CloseReason]uint64) map[holdfast.CloseReason]uint64 {
	out := make(map[holdfast.CloseReason]uint64)
	for r, v := range m {
		if v != 0 {
			out[r] = v
		}
	}
	return out
}

// segsIn counts the segments c's kernel received: with no data flowing,
// the server's keepalive probes.
func segsIn(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	i, err := sockopt.InfoConn(c)
	if err != nil {
		t.Fatal(err)
	}
	return i.SegsIn
}

// Response data the client never acknowledges: TCP_USER_TIMEOUT (3 s)
// ends the connection within 5 s with reason user-timeout, both while the
// handler streams and once the connection is idle again. Without the user
// timeout it would retransmit for about 15 minutes (tcp_retries2), which
// the last case shows only as far as the 5 s mark.
func TestDeadPeerUserTimeout(t *testing.T) {
	const userTimeout = 3 * time.Second
	const limit = 5 * time.Second
	run(t, func(t *testing.T, e holdfast.Engine) {
		cases := []string{"streaming", "idle-after-response", "heedless-writer", "without-user-timeout"}
		concurrently(t, cases, func(t *testing.T, name string) {
			tp := netns.New(t)
			pol := dpPolicy()
			pol.TCPUserTimeout = userTimeout
			if name == "without-user-timeout" {
				pol.TCPUserTimeout = -1
			}
			s := startDPServer(t, tp, e, pol)
			path := "/stream"
			switch name {
			case "idle-after-response":
				path = "/hold" // the response is written after the crash
			case "heedless-writer":
				path = "/heedless"
			}
			_, st := s.streamConn(t, tp, path)
			if err := tp.Client.Crash(); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if name != "heedless-writer" {
				st.more <- struct{}{} // written, never acknowledged
			}
			switch name {
			case "streaming", "heedless-writer":
				s.expectClosed(t, start, holdfast.CloseUserTimeout, limit, 0, st)
			case "idle-after-response":
				took := s.waitGone(t, st.id, start, limit)
				stats := waitStats(t, s.Server, "user-timeout", closedBy(holdfast.CloseUserTimeout, 1))
				if got := totalClosed(stats); got != 1 {
					t.Errorf("closed %d connections, want 1: %v", got, nonZero(stats.Closed))
				}
				t.Logf("user-timeout: idle connection closed after %v", took.Round(time.Millisecond))
			case "without-user-timeout":
				time.Sleep(limit + dpGrace)
				if !s.hasConn(st.id) || totalClosed(s.Stats()) != 0 {
					t.Fatalf("closed without TCP_USER_TIMEOUT: %v", nonZero(s.Stats().Closed))
				}
				select {
				case <-st.canceled:
					t.Fatal("handler cancelled")
				default:
				}
			}
		})
	})
}

// noChildProcesses reports the processes this one started and left
// running.
func noChildProcesses() error {
	if kids := childProcesses(); len(kids) > 0 {
		return fmt.Errorf("child processes left behind: %v", kids)
	}
	return nil
}

// childProcesses lists the processes whose parent is this one, from /proc
// (none where there is no /proc).
func childProcesses() []string {
	entries, _ := os.ReadDir("/proc")
	var kids []string
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(stat[i+1:])); len(f) > 1 && f[1] == me {
			kids = append(kids, e.Name()+" "+string(stat[:i+1]))
		}
	}
	return kids
}
