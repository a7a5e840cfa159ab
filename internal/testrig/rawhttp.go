package testrig

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Raw HTTP for tests that write exact bytes and read exact responses,
// with net/http's response parser as an independent oracle.

// SendTimeout bounds one SendRaw.
const SendTimeout = 10 * time.Second

// SendRaw writes s to nc, failing t if it cannot within SendTimeout.
func SendRaw(t testing.TB, nc net.Conn, s string) {
	t.Helper()
	nc.SetWriteDeadline(time.Now().Add(SendTimeout))
	if _, err := io.WriteString(nc, s); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// ReadResponse reads one response to a request with method from br, body
// included, failing t if it cannot; the caller bounds the reads.
func ReadResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	return resp, string(b)
}
