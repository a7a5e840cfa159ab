package crowd

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// timeoutServer answers every connection 408 and closes it once its first
// header line after the request line has arrived.
func timeoutServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for range 3 { // request line, Host, User-Agent
					if _, err := br.ReadString('\n'); err != nil {
						return
					}
				}
				br.ReadString('\n') // the first slow line
				io.WriteString(conn, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	return ln.Addr().String()
}

// Slow senders are answered 408 and closed; each is replaced, and the
// lifetimes of the closed ones are kept.
func TestSlowHeadersEndings(t *testing.T) {
	c := New(Config{Addr: timeoutServer(t), Kind: SlowHeaders, N: 4, Rate: 100, Interval: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	for c.Tally().Endings["408 then closed by the server"] < 12 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	tally := c.Tally()
	n, lo, _, hi := tally.Lifetimes()
	if tally.Endings["408 then closed by the server"] < 12 || n < 12 || lo <= 0 || hi < lo || c.Open() != 0 {
		t.Fatalf("endings %s, lifetimes %d (%v–%v), open %d", tally.EndingsText(), n, lo, hi, c.Open())
	}
}

// Keep-alive clients make requests and close their connections themselves
// after their lifetime; none fails against a server that keeps them.
func TestKeepAliveChurns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := New(Config{Addr: addr, Kind: KeepAlive, N: 3, Rate: 100, Interval: 5 * time.Millisecond, Lifetime: 30 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	for c.Tally().Endings["closed by the client"] < 6 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	tally := c.Tally()
	if tally.Endings["closed by the client"] < 6 || tally.Requests < 6 || tally.Failed != 0 || tally.DialFailed != 0 {
		t.Fatalf("%+v", tally)
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]int{
		"HTTP/1.1 408 Request Timeout\r\n": 408,
		"HTTP/1.0 200 OK\r\n":              200,
		"HTTP/1.1 4x8 Bad\r\n":             0,
		"garbage":                          0,
	} {
		if got := parseStatus([]byte(in)); got != want {
			t.Errorf("parseStatus(%q) = %d, want %d", in, got, want)
		}
	}
}
