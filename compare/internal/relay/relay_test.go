package relay

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// echo serves one connection: every line back, then a FIN when the client
// half-closes, or a reset when it sees "reset".
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c *net.TCPConn) {
				defer c.Close()
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
			}(c.(*net.TCPConn))
		}
	}()
	return ln.Addr().String()
}

func TestRelayDelaysInOrder(t *testing.T) {
	r, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if d := time.Since(start); d < 2*r.MinDelay {
		t.Fatalf("round trip took %v, under twice the minimum delay", d)
	}
}

func TestRelayPassesFINAndReset(t *testing.T) {
	r, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite() // the echo server returns: its close is a FIN
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after half-close: %d, %v; want EOF", n, err)
	}
	c.Close()

	c, err = net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("reset\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || err == io.EOF || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("after the server's reset: %v; want a reset", err)
	}
}
