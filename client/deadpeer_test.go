package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"holdfast/client"
	"holdfast/internal/netns"
	"holdfast/internal/sockopt"
	"holdfast/internal/testrig"
)

// probes are the keepalive settings of the Transport in these tests,
// aggressive so that every verdict comes within seconds (docs/keepalive.md
// explains the numbers); verdict is when unanswered probes end a
// connection, counted from the last segment the peer sent.
var (
	probes  = sockopt.Options{KeepAlive: true, Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	verdict = probes.Idle + probes.Interval*time.Duration(probes.Count)
)

// grace is what a close may take beyond the kernel's verdict (the pool's
// reaction and the tests' polling); bound caps every wait of these tests,
// so that a broken Transport fails them instead of hanging them.
const (
	grace = time.Second
	bound = 20 * time.Second
)

// The Transport's side of dead peers: the server host crashes or reboots
// under pooled connections, or vanishes with a request in flight. The
// Transport's sockets carry the keepalive settings; a pooled connection the
// kernel has given up on is closed, when the pool next looks at it, with
// the reason the kernel found, and a request in flight fails within the
// user timeout instead of hanging.
func TestDeadPeerTransport(t *testing.T) {
	testrig.CheckLeaks(t)
	const userTimeout = 3 * time.Second
	// All cases at once: they spend their time waiting for kernel timers,
	// which -parallel would only add up. Each builds its own namespaces.
	var wg sync.WaitGroup
	for _, name := range []string{"crash", "reboot", "in-flight", "sent-into-the-void"} {
		wg.Go(func() { t.Run(name, func(t *testing.T) { deadPeerCase(t, name, userTimeout) }) })
	}
	wg.Wait()
}

// deadPeerCase runs one fault of TestDeadPeerTransport on hosts of its own.
func deadPeerCase(t *testing.T, name string, userTimeout time.Duration) {
	tp := netns.New(t)
	o := startOrigin(t, tp)
	var ut time.Duration // the default, idle + interval × count
	if name == "in-flight" || name == "sent-into-the-void" {
		ut = userTimeout
	}
	tr, dialed := deadPeerTransport(t, tp, ut)
	if name != "in-flight" {
		if body, err := getBody(t, tr, o.url+"/"); err != nil || body != "ok" {
			t.Fatalf("first request: %q, %v", body, err)
		}
		checkDialedOptions(t, dialed(0), tr)
	}
	switch name {
	case "crash", "reboot":
		poolDies(t, tp, o, tr, dialed(0), name)
	case "in-flight":
		// The server host took the request and vanishes: nothing is in
		// flight, the keepalive probes find it gone.
		start, errc := getAsync(t, tr, o.url+"/hang")
		select {
		case <-o.hung:
		case <-time.After(bound):
			t.Fatal("the request never arrived")
		}
		start = time.Now()
		if err := tp.Server.Crash(); err != nil {
			t.Fatal(err)
		}
		expectFailure(t, tr, start, errc, userTimeout+grace, client.CloseKeepAliveTimeout)
	case "sent-into-the-void":
		// The server host vanished while the connection was pooled: the
		// request is sent and never acknowledged.
		if err := tp.Server.Crash(); err != nil {
			t.Fatal(err)
		}
		start, errc := getAsync(t, tr, o.url+"/")
		expectFailure(t, tr, start, errc, userTimeout+grace, client.CloseUserTimeout)
	}
}

// poolDies checks that the pooled connection dies with the server host
// (crash: after the keepalive verdict; reboot: at the first probe) and that
// the next request finds it dead, counts the reason and dials anew.
func poolDies(t *testing.T, tp *netns.Topology, o *origin, tr *client.Transport, pooled net.Conn, fault string) {
	want, limit := client.CloseKeepAliveTimeout, verdict+grace
	start := time.Now()
	if fault == "reboot" {
		want, limit = client.ClosePeerReset, probes.Idle+grace
		if err := tp.Server.Reboot(o.conns()...); err != nil {
			t.Fatal(err)
		}
	} else if err := tp.Server.Crash(); err != nil {
		t.Fatal(err)
	}
	took := waitSocketDead(t, pooled, start, limit)
	if err := tp.Server.Recover(); err != nil { // a no-op after the reboot
		t.Fatal(err)
	}
	if body, err := getBody(t, tr, o.url+"/"); err != nil || body != "ok" {
		t.Fatalf("request after the %s: %q, %v", fault, body, err)
	}
	st := tr.Stats()
	if st.Closed[want] != 1 || st.Dials != 2 || st.ReuseFailures != 0 {
		counts, _ := closedCounts(st)
		t.Errorf("closed %v, dials %d, reuse failures %d; want one %v and a new dial", counts, st.Dials, st.ReuseFailures, want)
	}
	t.Logf("%v: the pooled socket failed after %v; closed by the next request", want, took.Round(time.Millisecond))
}

// expectFailure checks that a request fails with ETIMEDOUT within limit
// of start, and that its connection is counted closed with reason want.
func expectFailure(t *testing.T, tr *client.Transport, start time.Time, errc chan error, limit time.Duration, want client.CloseReason) {
	t.Helper()
	var err error
	select {
	case err = <-errc:
	case <-time.After(bound):
		t.Fatalf("the request still hangs after %v", bound)
	}
	took := time.Since(start)
	if !errors.Is(err, syscall.ETIMEDOUT) && !errors.Is(err, syscall.EHOSTUNREACH) {
		t.Fatalf("after %v: %v; want a timeout from the kernel", took, err)
	}
	if took > limit {
		t.Errorf("failed after %v, want at most %v", took, limit)
	}
	st := tr.Stats()
	if counts, total := closedCounts(st); st.Closed[want] != 1 || total != 1 {
		t.Errorf("closed %v, want one %v", counts, want)
	}
	t.Logf("%v: the request failed after %v: %v", want, took.Round(time.Millisecond), err)
}

// deadPeerTransport is a Transport that dials from the client host with the
// aggressive keepalive settings (and userTimeout, if not zero), and a way
// to get its dialed connections.
func deadPeerTransport(t *testing.T, tp *netns.Topology, userTimeout time.Duration) (*client.Transport, func(i int) net.Conn) {
	var mu sync.Mutex
	var conns []net.Conn
	dial := tp.Client.Dialer(&net.Dialer{KeepAlive: -1})
	tr := &client.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, "tcp4", addr)
			if err == nil {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
			return c, err
		},
		IdleTimeout:          time.Minute,
		TCPKeepAliveIdle:     probes.Idle,
		TCPKeepAliveInterval: probes.Interval,
		TCPKeepAliveCount:    probes.Count,
		TCPUserTimeout:       userTimeout,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, func(i int) net.Conn {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(conns) {
			t.Fatalf("only %d connections dialed", len(conns))
		}
		return conns[i]
	}
}

// checkDialedOptions checks the socket options the Transport set.
func checkDialedOptions(t *testing.T, c net.Conn, tr *client.Transport) {
	t.Helper()
	got, err := sockopt.Read(c)
	if err != nil {
		t.Fatal(err)
	}
	want := probes
	want.UserTimeout = tr.TCPUserTimeout
	if want.UserTimeout == 0 {
		want.UserTimeout = verdict // the default: idle + interval × count
	}
	if got != want {
		t.Fatalf("dialed socket has %+v, want %+v", got, want)
	}
}

// waitSocketDead waits until the kernel has given up on c (TCP_INFO shows
// it closed) and returns when, since start; it fails t if later than limit.
func waitSocketDead(t *testing.T, c net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for {
		i, err := sockopt.InfoConn(c)
		if err != nil {
			t.Fatal(err)
		}
		if i.State == sockopt.StateClose {
			break
		}
		if time.Since(start) > limit+bound {
			t.Fatalf("socket still %v after %v", i.State, time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	if took > limit {
		t.Errorf("the socket failed after %v, want at most %v", took, limit)
	}
	return took
}

func getBody(t *testing.T, tr *client.Transport, url string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return "", err
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// getAsync sends a request from another goroutine; its error (nil for a
// whole response) arrives on the channel.
func getAsync(t *testing.T, tr *client.Transport, url string) (time.Time, chan error) {
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := getBody(t, tr, url)
		errc <- err
	}()
	return start, errc
}

// origin is a minimal HTTP/1.1 server on the server host, whose
// connections the test holds (to reboot them): it answers "ok", and takes
// /hang without ever answering.
type origin struct {
	url  string
	hung chan struct{} // a /hang request arrived

	wg      sync.WaitGroup
	mu      sync.Mutex
	accepts []net.Conn // guarded by mu
}

func startOrigin(t *testing.T, tp *netns.Topology) *origin {
	t.Helper()
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	o := &origin{url: "http://" + ln.Addr().String(), hung: make(chan struct{}, 1)}
	o.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			o.mu.Lock()
			o.accepts = append(o.accepts, c)
			o.mu.Unlock()
			o.wg.Go(func() { o.serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		for _, c := range o.conns() {
			c.Close()
		}
		o.wg.Wait()
	})
	return o
}

func (o *origin) conns() []net.Conn {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]net.Conn(nil), o.accepts...)
}

func (o *origin) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		if strings.HasPrefix(req.URL.Path, "/hang") {
			o.hung <- struct{}{}
			io.Copy(io.Discard, c) // until the connection is closed
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
			return
		}
	}
}

// TestMain fails the run if a goroutine or a network namespace of the
// dead-peer tests outlived them.
func TestMain(m *testing.M) { testrig.Main(m, netns.CheckLeftovers) }

// closedCounts returns the close reasons st counted, without the zeros,
// and their total.
func closedCounts(st client.TransportStats) (map[client.CloseReason]uint64, uint64) {
	m := maps.Clone(st.Closed)
	maps.DeleteFunc(m, func(_ client.CloseReason, n uint64) bool { return n == 0 })
	var total uint64
	for _, n := range m {
		total += n
	}
	return m, total
}
