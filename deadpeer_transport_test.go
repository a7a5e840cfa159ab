package holdfast_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/netns"
	"holdfast/internal/sockopt"
	"holdfast/internal/testrig"
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
	cases := []string{"crash", "reboot", "in-flight", "sent-into-the-void"}
	concurrently(t, cases, func(t *testing.T, name string) {
		tp := netns.New(t)
		o := startOrigin(t, tp)
		var ut time.Duration // the default, idle + interval × count
		if name == "in-flight" || name == "sent-into-the-void" {
			ut = userTimeout
		}
		tr, dialed := dpTransport(t, tp, ut)
		if name != "in-flight" {
			if body, err := dpGet(t, tr, o.url+"/"); err != nil || body != "ok" {
				t.Fatalf("first request: %q, %v", body, err)
			}
			checkDialedOptions(t, dialed(0), tr)
		}
		switch name {
		case "crash", "reboot":
			dpPoolDies(t, tp, o, tr, dialed(0), name)
		case "in-flight":
			// The server host took the request and vanishes: nothing is in
			// flight, the keepalive probes find it gone.
			start, errc := dpGetAsync(t, tr, o.url+"/hang")
			select {
			case <-o.hung:
			case <-time.After(dpBound):
				t.Fatal("the request never arrived")
			}
			start = time.Now()
			if err := tp.Server.Crash(); err != nil {
				t.Fatal(err)
			}
			dpExpectFailure(t, tr, start, errc, userTimeout+dpGrace, holdfast.CloseKeepAliveTimeout)
		case "sent-into-the-void":
			// The server host vanished while the connection was pooled: the
			// request is sent and never acknowledged.
			if err := tp.Server.Crash(); err != nil {
				t.Fatal(err)
			}
			start, errc := dpGetAsync(t, tr, o.url+"/")
			dpExpectFailure(t, tr, start, errc, userTimeout+dpGrace, holdfast.CloseUserTimeout)
		}
	})
}

// dpPoolDies checks that the pooled connection dies with the server host
// (crash: after the keepalive verdict; reboot: at the first probe) and that
// the next request finds it dead, counts the reason and dials anew.
func dpPoolDies(t *testing.T, tp *netns.Topology, o *dpOrigin, tr *holdfast.Transport, pooled net.Conn, fault string) {
	want, limit := holdfast.CloseKeepAliveTimeout, dpVerdict+dpGrace
	start := time.Now()
	if fault == "reboot" {
		want, limit = holdfast.ClosePeerReset, dpIdle+dpGrace
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
	if body, err := dpGet(t, tr, o.url+"/"); err != nil || body != "ok" {
		t.Fatalf("request after the %s: %q, %v", fault, body, err)
	}
	st := tr.Stats()
	if st.Closed[want] != 1 || st.Dials != 2 || st.ReuseFailures != 0 {
		t.Errorf("closed %v, dials %d, reuse failures %d; want one %v and a new dial", nonZero(st.Closed), st.Dials, st.ReuseFailures, want)
	}
	t.Logf("%v: the pooled socket failed after %v; closed by the next request", want, took.Round(time.Millisecond))
}

// dpExpectFailure checks that a request fails with ETIMEDOUT within limit
// of start, and that its connection is counted closed with reason want.
func dpExpectFailure(t *testing.T, tr *holdfast.Transport, start time.Time, errc chan error, limit time.Duration, want holdfast.CloseReason) {
	t.Helper()
	var err error
	select {
	case err = <-errc:
	case <-time.After(dpBound):
		t.Fatalf("the request still hangs after %v", dpBound)
	}
	took := time.Since(start)
	if !errors.Is(err, syscall.ETIMEDOUT) && !errors.Is(err, syscall.EHOSTUNREACH) {
		t.Fatalf("after %v: %v; want a timeout from the kernel", took, err)
	}
	if took > limit {
		t.Errorf("failed after %v, want at most %v", took, limit)
	}
	st := tr.Stats()
	if st.Closed[want] != 1 || totalClosed(holdfast.Stats{Closed: st.Closed}) != 1 {
		t.Errorf("closed %v, want one %v", nonZero(st.Closed), want)
	}
	t.Logf("%v: the request failed after %v: %v", want, took.Round(time.Millisecond), err)
}

// dpTransport is a Transport that dials from the client host with the
// aggressive keepalive settings (and userTimeout, if not zero), and a way
// to get its dialed connections.
func dpTransport(t *testing.T, tp *netns.Topology, userTimeout time.Duration) (*holdfast.Transport, func(i int) net.Conn) {
	var mu sync.Mutex
	var conns []net.Conn
	dial := tp.Client.Dialer(&net.Dialer{KeepAlive: -1})
	tr := &holdfast.Transport{
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
		TCPKeepAliveIdle:     dpIdle,
		TCPKeepAliveInterval: dpInterval,
		TCPKeepAliveCount:    dpCount,
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
func checkDialedOptions(t *testing.T, c net.Conn, tr *holdfast.Transport) {
	t.Helper()
	got, err := sockopt.Read(c)
	if err != nil {
		t.Fatal(err)
	}
	want := sockopt.Options{KeepAlive: true, Idle: dpIdle, Interval: dpInterval, Count: dpCount, UserTimeout: tr.TCPUserTimeout}
	if want.UserTimeout == 0 {
		want.UserTimeout = dpVerdict // the default: idle + interval × count
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
		if time.Since(start) > limit+dpBound {
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

func dpGet(t *testing.T, tr *holdfast.Transport, url string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), dpBound)
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

// dpGetAsync sends a request from another goroutine; its error (nil for a
// whole response) arrives on the channel.
func dpGetAsync(t *testing.T, tr *holdfast.Transport, url string) (time.Time, chan error) {
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := dpGet(t, tr, url)
		errc <- err
	}()
	return start, errc
}

// dpOrigin is a minimal HTTP/1.1 server on the server host, whose
// connections the test holds (to reboot them): it answers "ok", and takes
// /hang without ever answering.
type dpOrigin struct {
	url  string
	hung chan struct{} // a /hang request arrived

	wg      sync.WaitGroup
	mu      sync.Mutex
	accepts []net.Conn // guarded by mu
}

func startOrigin(t *testing.T, tp *netns.Topology) *dpOrigin {
	t.Helper()
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	o := &dpOrigin{url: "http://" + ln.Addr().String(), hung: make(chan struct{}, 1)}
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

func (o *dpOrigin) conns() []net.Conn {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]net.Conn(nil), o.accepts...)
}

func (o *dpOrigin) serve(c net.Conn) {
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
