package client

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// rawServer is the test rig's raw TCP server.
type rawServer = testrig.RawServer

var newRawServer = testrig.NewRawServer

// readRequest reads one request and its whole body.
func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	return req, body, err
}

// serveLoop answers each request on c with respond's bytes until
// respond returns nil, the peer closes, or idle passes without a request
// (idle 0: no limit). onIdle, when set, runs instead of a silent close.
func serveLoop(c net.Conn, idle time.Duration, onIdle func(c net.Conn), respond func(n int, req *http.Request, body []byte) []byte) {
	br := bufio.NewReader(c)
	for n := 1; ; n++ {
		if idle > 0 {
			c.SetReadDeadline(time.Now().Add(idle))
		}
		if _, err := br.Peek(1); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() && onIdle != nil {
				onIdle(c)
			}
			return
		}
		c.SetReadDeadline(time.Time{})
		req, body, err := readRequest(br)
		if err != nil {
			return
		}
		out := respond(n, req, body)
		if out == nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// rawResponse formats a response with a Content-Length body and extra
// header lines (each "Name: value").
func rawResponse(status int, body string, extra ...string) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.WriteString(body)
	return b.Bytes()
}

// get sends a GET through rt and returns the status and body.
func get(t testing.TB, rt http.RoundTripper, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
