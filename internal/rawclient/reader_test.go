package rawclient

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"holdfast/internal/http1"
)

// serve starts a loopback server whose one connection is handled by
// answer, and returns a Reader on the client's end of it. Cleanup closes
// both ends and waits for answer to return.
func serve(t *testing.T, answer func(c net.Conn)) (*Reader, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		answer(c)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var r Reader
	r.Reset(c)
	return &r, c
}

// writeAll answers with b and closes.
func writeAll(b string) func(net.Conn) {
	return func(c net.Conn) { c.Write([]byte(b)) }
}

// writeAndWait answers with b and keeps the connection open until the
// client closes it.
func writeAndWait(b string) func(net.Conn) {
	return func(c net.Conn) {
		c.Write([]byte(b))
		io.Copy(io.Discard, c)
	}
}

// readOne reads a response to method and returns its status and body.
func readOne(t *testing.T, r *Reader, method string) (int, string, error) {
	t.Helper()
	if err := r.ReadHead(); err != nil {
		return 0, "", err
	}
	var body []byte
	status := r.Response().Status
	err := r.ReadBody(http1.ResponseFraming(method, r.Response()), func(p []byte) { body = append(body, p...) })
	return status, string(body), err
}

func TestReadHeadSkipsInterimResponses(t *testing.T) {
	r, _ := serve(t, writeAndWait("HTTP/1.1 100 Continue\r\n\r\n"+
		"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"+
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"))
	status, body, err := readOne(t, r, "GET")
	if status != 200 || body != "hello" || err != nil {
		t.Fatalf("status %d, body %q, error %v; want 200 hello", status, body, err)
	}
	// A 101 is final: what follows it is not HTTP.
	if err := r.ReadHead(); err != nil || r.Response().Status != 101 {
		t.Fatalf("status %d, error %v; want 101", r.Response().Status, err)
	}
	if f := http1.ResponseFraming("GET", r.Response()); f != http1.Tunnel || r.ReadBody(f, nil) != nil || r.Buffered() != 0 {
		t.Errorf("after a 101: framing %v, %d bytes left", f, r.Buffered())
	}
}

// A peer that is not HTTP fails at once: had ReadHead waited for the end
// of a head, the connection (left open) would have ended in a timeout.
func TestReadHeadRefusesWhatIsNotHTTP(t *testing.T) {
	const banner = "SSH-2.0-OpenSSH_9.2p1\r\n"
	r, c := serve(t, writeAndWait(banner))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := r.ReadHead(); err != http1.ErrBadStatusLine {
		t.Fatalf("error %v, want %v", err, http1.ErrBadStatusLine)
	}
	if string(r.Unread()) != banner || string(r.Received()) != banner {
		t.Errorf("unread %q, received %q; want the banner", r.Unread(), r.Received())
	}
}

func TestLooksLikeHTTP(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "H": true, "HTTP": true, "HTTP/1.1 200": true, "\r\n\r\nHTT": true,
		"SSH-2.0": false, "http/1.1": false, "\x15\x03\x01": false, "HTTX": false, "\r\nX": false,
	} {
		if got := looksLikeHTTP([]byte(in)); got != want {
			t.Errorf("looksLikeHTTP(%q) = %v", in, got)
		}
	}
}

// Each framing ends where the next response starts, kept or discarded.
func TestReadBodyFramings(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 6<<10) // 96 KiB: several reads, through the buffer's end
	chunked := "Transfer-Encoding: chunked\r\n\r\n" +
		"5;ext=1\r\nhello\r\n1\r\n!\r\n" + string(http1.AppendChunk(nil, []byte(big))) + "0\r\nX-Trailer: t\r\n\r\n"
	for _, tc := range []struct {
		name, method, resp, body string
	}{
		{"length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 98304\r\n\r\n" + big, big},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\n" + chunked, "hello!" + big},
		{"no body: HEAD", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", ""},
		{"no body: 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", ""},
		{"no body: length 0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const next = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"
			r, _ := serve(t, writeAll(tc.resp+tc.resp+next))
			status, body, err := readOne(t, r, tc.method)
			if err != nil || status/100 != 2 || body != tc.body {
				t.Fatalf("status %d, %d bytes of body, error %v; want %d bytes", status, len(body), err, len(tc.body))
			}
			if err := r.ReadHead(); err != nil {
				t.Fatalf("second head: %v", err)
			}
			if err := r.ReadBody(http1.ResponseFraming(tc.method, r.Response()), nil); err != nil {
				t.Fatalf("second body, discarded: %v", err)
			}
			if _, body, err := readOne(t, r, "GET"); body != "next" || err != nil {
				t.Errorf("next response: body %q, error %v", body, err)
			}
		})
	}
}

func TestBodyUntilClose(t *testing.T) {
	r, _ := serve(t, writeAll("HTTP/1.1 200 OK\r\n\r\nuntil the end"))
	status, body, err := readOne(t, r, "GET")
	if status != 200 || body != "until the end" || err != nil {
		t.Errorf("status %d, body %q, error %v", status, body, err)
	}
}

// A connection that ends inside a delimited body is an error, not the
// end of the body.
func TestTruncatedBodies(t *testing.T) {
	for name, resp := range map[string]string{
		"length":          "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
		"chunked":         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
		"chunked in data": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello",
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := serve(t, writeAll(resp))
			if _, body, err := readOne(t, r, "GET"); err != io.ErrUnexpectedEOF || body != "hello" {
				t.Errorf("body %q, error %v; want hello and %v", body, err, io.ErrUnexpectedEOF)
			}
		})
	}
}

func TestHeadLargerThanTheBuffer(t *testing.T) {
	field := "X-Big: " + strings.Repeat("v", 40<<10) + "\r\n"
	r, _ := serve(t, writeAll("HTTP/1.1 200 OK\r\n"+field+"Content-Length: 2\r\n\r\nok"+
		"HTTP/1.1 200 OK\r\n"+field+field+"\r\n"))
	if status, body, err := readOne(t, r, "GET"); status != 200 || body != "ok" || err != nil {
		t.Fatalf("status %d, body %q, error %v", status, body, err)
	}
	if err := r.ReadHead(); err != http1.ErrResponseHead {
		t.Errorf("a head over the parser's limit: error %v, want %v", err, http1.ErrResponseHead)
	}
}

func TestOnReadSeesEveryByte(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	r, _ := serve(t, writeAll(resp))
	var total, reads int
	r.OnRead = func(n int) { total += n; reads++ }
	if _, _, err := readOne(t, r, "GET"); err != nil {
		t.Fatal(err)
	}
	if err := r.Fill(); err != io.EOF {
		t.Errorf("Fill at the end: %v, want EOF", err)
	}
	if total != len(resp) || reads == 0 {
		t.Errorf("OnRead saw %d bytes in %d reads, want %d", total, reads, len(resp))
	}
}

// Reset drops what was left unread of the previous connection.
func TestResetStartsOver(t *testing.T) {
	r, _ := serve(t, writeAndWait("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"+"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
	if _, _, err := readOne(t, r, "GET"); err != nil {
		t.Fatal(err)
	}
	if r.Buffered() == 0 {
		t.Skip("the two responses arrived in two reads; nothing to drop")
	}
	_, c2 := serve(t, writeAndWait("HTTP/1.1 204 No Content\r\n\r\n"))
	r.Reset(c2)
	if status, _, err := readOne(t, r, "GET"); status != 204 || err != nil {
		t.Errorf("status %d, error %v; want the new connection's 204", status, err)
	}
}

func TestDeadline(t *testing.T) {
	r, c := serve(t, writeAndWait("HTTP/1.1 200 OK\r\nContent-Le"))
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if err := r.ReadHead(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("error %v, want the deadline's", err)
	}
	if !bytes.HasPrefix(r.Received(), []byte("HTTP/1.1 200")) {
		t.Errorf("received %q", r.Received())
	}
}

// Reading a response allocates nothing once the buffer exists: bench's
// request path is built on it.
func TestReadingAllocatesNothing(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	r, c := serve(t, func(c net.Conn) {
		one, out := make([]byte, 1), []byte(resp)
		for {
			if _, err := c.Read(one); err != nil {
				return
			}
			c.Write(out)
		}
	})
	r.OnRead = func(int) {}
	one := []byte{'?'}
	allocs := testing.AllocsPerRun(200, func() {
		c.Write(one)
		for range 2 {
			if err := r.ReadHead(); err != nil {
				t.Fatal(err)
			}
			if err := r.ReadBody(http1.ResponseFraming("GET", r.Response()), nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 0 {
		t.Errorf("%.2f allocations per pair of responses, want 0", allocs)
	}
}
