package netns

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

// Bounds for every wait. Generous: they only decide how long a broken test
// takes to fail, never whether a working one passes.
const (
	quiet    = 300 * time.Millisecond // "nothing arrives" windows
	eventual = 10 * time.Second       // for what must happen (retransmits after repair)
)

// connPair connects Client to Server through the router and returns both
// ends, closed by a cleanup registered after New's (so before the
// namespaces go). It fails t unless the server sees the client's own
// address (routed, not NATed) and bytes flow both ways.
func connPair(t *testing.T, tp *Topology) (client, server net.Conn) {
	t.Helper()
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), eventual)
	defer cancel()
	client, err = tp.Client.Dial(ctx, "tcp4", ln.Addr().String())
	if err != nil {
		ln.Close() // ends the Accept above
		<-ch
		t.Fatal(err)
	}
	a := <-ch // the handshake is complete, so Accept returns at once
	if a.err != nil {
		client.Close()
		t.Fatal(a.err)
	}
	server = a.c
	t.Cleanup(func() { client.Close(); server.Close() })

	if got := server.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != tp.Client.Addr {
		t.Fatalf("server sees peer %v, want the client's own address %v", got, tp.Client.Addr)
	}
	exchange(t, client, server, "hello")
	exchange(t, server, client, "world")
	return client, server
}

// exchange writes msg on from and reads it from to.
func exchange(t *testing.T, from, to net.Conn, msg string) {
	t.Helper()
	if _, err := from.Write([]byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	readExactly(t, to, msg)
}

// readExactly reads msg from to within eventual.
func readExactly(t *testing.T, to net.Conn, msg string) {
	t.Helper()
	to.SetReadDeadline(time.Now().Add(eventual))
	defer to.SetReadDeadline(time.Time{})
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(to, buf); err != nil {
		t.Fatalf("read %q: %v", msg, err)
	}
	if string(buf) != msg {
		t.Fatalf("read %q, want %q", buf, msg)
	}
}

// expectSilence fails t unless reading c for the quiet window times out:
// no data, no EOF, no reset.
func expectSilence(t *testing.T, c net.Conn, who string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(quiet))
	defer c.SetReadDeadline(time.Time{})
	n, err := c.Read(make([]byte, 1))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: read = %d, %v; want silence (a read timeout)", who, n, err)
	}
}

// dialResult dials addr from h for the quiet window and classifies the
// outcome: "refused", "timeout", or the error text.
func dialResult(t *testing.T, h *Host, addr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), quiet)
	defer cancel()
	c, err := h.Dial(ctx, "tcp4", addr)
	var ne net.Error
	switch {
	case err == nil:
		defer c.Close()
		return "connected"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return err.Error()
}

// expectDial fails t unless dialing addr from h ends as want.
func expectDial(t *testing.T, h *Host, addr, want string) {
	t.Helper()
	if got := dialResult(t, h, addr); got != want {
		t.Fatalf("dial %s from %s: %s, want %s", addr, h.Name, got, want)
	}
}

// waitRetransmit waits until c has retransmitted: the proof that what it
// sent was not acknowledged within a retransmission timeout.
func waitRetransmit(t *testing.T, c net.Conn) {
	t.Helper()
	deadline := time.Now().Add(eventual)
	for {
		n, err := retransmits(c)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retransmission within %v: the peer acknowledged", eventual)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
