//go:build unix

package testrig

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startEcho serves every line back, closes (a FIN) when the client
// half-closes, and resets the connection when it reads "reset".
func startEcho(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			echoLines(c.(*net.TCPConn))
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func echoLines(c *net.TCPConn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "reset\n" {
			c.SetLinger(0)
			return
		}
		c.Write([]byte(line))
	}
}

func dialRelay(t *testing.T, r *Relay) *net.TCPConn {
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

func TestRelayDelaysInOrder(t *testing.T) {
	CheckLeaks(t)
	r := NewRelay(t, startEcho(t), RaceDelay)
	c := dialRelay(t, r)
	start := time.Now()
	var want []byte
	for i := 0; i < 20; i++ {
		line := []byte{'a' + byte(i), '\n'}
		want = append(want, line...)
		if _, err := c.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if d := time.Since(start); d < 2*RaceDelay.Min {
		t.Fatalf("round trip took %v, under the minimum delay both ways", d)
	}
}

func TestRelayPassesFINAndReset(t *testing.T) {
	CheckLeaks(t)
	r := NewRelay(t, startEcho(t), RaceDelay)
	c := dialRelay(t, r)
	c.CloseWrite() // the echo server returns: its close is a FIN
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after half-close: %d, %v; want EOF", n, err)
	}

	c = dialRelay(t, r)
	c.Write([]byte("reset\n"))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || err == io.EOF || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("after the server's reset: %v; want a reset", err)
	}
}

// A host that closed answers what reaches it afterwards with a reset; the
// relay passes that on too, as a network does, after the FIN it passed
// before. The client sends one segment after the FIN and then only waits,
// as a client whose request raced the server's close does: the reset
// reaches its socket (as its error: reads say EOF once a FIN came).
func TestRelayPassesAResetAfterAFIN(t *testing.T) {
	CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // a FIN at once, and a reset for anything that comes later
		}
	}()
	r := NewRelay(t, ln.Addr().String(), RaceDelay)
	c := dialRelay(t, r)
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("the server's close: %d, %v; want EOF", n, err)
	}
	c.Write([]byte("late\n"))
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		soErr := 0
		raw.Control(func(fd uintptr) { soErr, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR) })
		if soErr != 0 {
			return
		}
	}
	t.Fatal("no reset reached the client after its write to a closed server")
}
