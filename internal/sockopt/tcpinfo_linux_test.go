package sockopt_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"holdfast/internal/netns"
	"holdfast/internal/sockopt"
)

func TestInfoLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	i, err := sockopt.InfoConn(s)
	if err != nil {
		t.Fatal(err)
	}
	if i.State != sockopt.StateEstablished || i.SegsIn == 0 || i.WhichTimeout() != sockopt.TimeoutUnknown {
		t.Fatalf("info of a live connection: %+v (%v)", i, i.WhichTimeout())
	}
	if _, err := sockopt.InfoConn(fakeConn{}); err != sockopt.ErrNotTCP {
		t.Fatalf("InfoConn of a non-socket: %v", err)
	}
}

type fakeConn struct{ net.Conn }

// A dead peer, as each kernel timer finds it, through the network
// namespaces of internal/netns. Each case checks the errno and what
// TCP_INFO shows once the socket has failed: the facts WhichTimeout relies
// on.
func TestTimeoutTCPInfo(t *testing.T) {
	keepalive := sockopt.Options{KeepAlive: true, Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	withUT := func(o sockopt.Options, d time.Duration) sockopt.Options { o.UserTimeout = d; return o }
	cases := []struct {
		name  string
		opts  sockopt.Options
		fault func(t *testing.T, tp *netns.Topology, client, server net.Conn) (fail func() error)
		errno syscall.Errno
		want  sockopt.Timeout
		limit time.Duration // from the fault to the error
	}{
		{"keepalive", keepalive, crash, syscall.ETIMEDOUT, sockopt.TimeoutKeepAlive, 6 * time.Second},
		{"keepalive-with-user-timeout", withUT(keepalive, 5*time.Second), crash, syscall.ETIMEDOUT, sockopt.TimeoutKeepAlive, 6 * time.Second},
		{"keepalive-broken-path", withUT(keepalive, 5*time.Second), breakPath, syscall.ETIMEDOUT, sockopt.TimeoutKeepAlive, 6 * time.Second},
		{"user-timeout", withUT(keepalive, 3*time.Second), crashThenWrite, syscall.ETIMEDOUT, sockopt.TimeoutUnacked, 5 * time.Second},
		{"zero-window", withUT(keepalive, 3*time.Second), fillThenCrash, syscall.ETIMEDOUT, sockopt.TimeoutUnacked, 5 * time.Second},
		{"reboot", withUT(keepalive, 5*time.Second), reboot, syscall.ECONNRESET, sockopt.TimeoutKeepAlive, 4 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tp := netns.New(t)
			client, server := pairIn(t, tp)
			if err := sockopt.Apply(server, tc.opts); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			fail := tc.fault(t, tp, client, server)
			err := fail()
			took := time.Since(start)
			if !errors.Is(err, tc.errno) {
				t.Fatalf("after %v: %v, want %v", took, err, tc.errno)
			}
			if took > tc.limit {
				t.Errorf("failed after %v, want at most %v", took, tc.limit)
			}
			i, ierr := sockopt.InfoConn(server)
			if ierr != nil {
				t.Fatal(ierr)
			}
			t.Logf("%v after %v; TCP_INFO: %+v", err, took.Round(time.Millisecond), i)
			if i.State != sockopt.StateClose || i.Unacked != 0 || i.Backoff != 0 {
				t.Errorf("state %v, unacked %d, backoff %d: want CLOSE with the queue purged", i.State, i.Unacked, i.Backoff)
			}
			// A reset that answered a keepalive probe shows the probe:
			// WhichTimeout must only be asked about timeouts.
			if got := i.WhichTimeout(); got != tc.want {
				t.Errorf("WhichTimeout = %v, want %v", got, tc.want)
			}
		})
	}
}

// pairIn connects Client to Server, with no keepalive of Go's own.
func pairIn(t *testing.T, tp *netns.Topology) (client, server net.Conn) {
	t.Helper()
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	client, err = tp.Client.Dialer(&net.Dialer{KeepAlive: -1})(ctx, "tcp4", ln.Addr().String())
	if err != nil {
		ln.Close()
		<-ch
		t.Fatal(err)
	}
	server = <-ch
	if server == nil {
		client.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// readErr blocks in a read on c (bounded) and returns its error.
func readErr(c net.Conn) func() error {
	return func() error {
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err
	}
}

func crash(t *testing.T, tp *netns.Topology, _, server net.Conn) func() error {
	if err := tp.Client.Crash(); err != nil {
		t.Fatal(err)
	}
	return readErr(server)
}

func breakPath(t *testing.T, tp *netns.Topology, _, server net.Conn) func() error {
	if err := tp.BreakPath(); err != nil {
		t.Fatal(err)
	}
	return readErr(server)
}

func reboot(t *testing.T, tp *netns.Topology, client, server net.Conn) func() error {
	if err := tp.Client.Reboot(client); err != nil {
		t.Fatal(err)
	}
	return readErr(server)
}

func crashThenWrite(t *testing.T, tp *netns.Topology, _, server net.Conn) func() error {
	if err := tp.Client.Crash(); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	return readErr(server)
}

// fillThenCrash fills the client's window (it never reads) and the
// server's send buffer, then crashes the client: the server probes a zero
// window. The blocked write is what fails.
func fillThenCrash(t *testing.T, tp *netns.Topology, _, server net.Conn) func() error {
	errc := make(chan error, 1)
	server.SetWriteDeadline(time.Now().Add(20 * time.Second))
	go func() {
		_, err := server.Write(make([]byte, 64<<20))
		errc <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		i, err := sockopt.InfoConn(server)
		if err != nil {
			t.Fatal(err)
		}
		if i.SendWindow == 0 && i.NotSent > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client's window never closed: %+v", i)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := tp.Client.Crash(); err != nil {
		t.Fatal(err)
	}
	return func() error { return <-errc }
}

func TestWhichTimeout(t *testing.T) {
	closed := sockopt.StateClose
	cases := []struct {
		info sockopt.TCPInfo
		want sockopt.Timeout
	}{
		{sockopt.TCPInfo{State: closed, Probes: 3}, sockopt.TimeoutKeepAlive},
		{sockopt.TCPInfo{State: closed, Retransmits: 4}, sockopt.TimeoutUnacked},
		{sockopt.TCPInfo{State: closed, Probes: 2, NotSent: 1000}, sockopt.TimeoutUnacked},
		{sockopt.TCPInfo{State: closed}, sockopt.TimeoutUnknown},
		{sockopt.TCPInfo{State: sockopt.StateEstablished, Probes: 1}, sockopt.TimeoutUnknown},
	}
	for _, c := range cases {
		if got := c.info.WhichTimeout(); got != c.want {
			t.Errorf("%+v: %v, want %v", c.info, got, c.want)
		}
	}
}
