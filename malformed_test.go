package holdfast_test

import (
	"net/http"
	"strings"
	"testing"

	"holdfast"
)

// malformed lists requests a server must refuse, each with its exact status.
// Every one must also close the connection, so that nothing the client sent
// after it is taken as a request (the request-smuggling shapes).
var malformed = []struct {
	name, req string
	status    int
}{
	// Request line.
	{"no version (HTTP/0.9)", "GET /\r\n\r\n", 400},
	{"two spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"tab separator", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400},
	{"empty method", " / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"method not a token", "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n", 400},
	{"version without minor", "GET / HTTP/1\r\nHost: x\r\n\r\n", 400},
	{"version two digits", "GET / HTTP/11\r\nHost: x\r\n\r\n", 400},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	{"HTTP/3.0", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505},
	{"HTTP/0.9 versioned", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505},
	{"target with control byte", "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"target with DEL", "GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"relative target", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"authority form with GET", "GET example.com:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"CONNECT with origin form", "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"fragment in target", "GET /#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"fragment after query", "GET /a?b#c HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"userinfo in absolute form", "GET http://foo@host/ HTTP/1.1\r\nHost: host\r\n\r\n", 400},
	{"user and password in absolute form", "GET http://u:p@host:80/ HTTP/1.1\r\nHost: host\r\n\r\n", 400},
	{"request line too long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
	// Line endings.
	{"bare LF ends request line", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
	{"bare LF ends a field", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400},
	{"bare CR in a field", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400},
	{"bare LF ends the head", "GET / HTTP/1.1\r\nHost: x\r\n\n", 400},
	// Field lines.
	{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	{"tab before colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400},
	{"space before colon on TE", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400},
	{"whitespace before first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
	{"empty field name", "GET / HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n", 400},
	{"field name not a token", "GET / HTTP/1.1\r\nHost: x\r\nX@Y: z\r\n\r\n", 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400},
	{"control byte in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x1bb\r\n\r\n", 400},
	{"head too large", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("f", 1000)+"\r\n", 70) + "\r\n", 431},
	// Host.
	{"missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400},
	{"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"two identical Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
	{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
	{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
	{"two Host fields in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	// Content-Length.
	{"negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	{"plus sign Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400},
	{"hex Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", 400},
	{"Content-Length with inner space", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", 400},
	{"empty Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400},
	{"overflowing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
	{"differing Content-Length fields", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
	{"differing Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", 400},
	// Transfer-Encoding (CL.TE, TE.CL, TE.TE shapes).
	{"Content-Length and chunked", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"chunked and Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
	{"chunked not final", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
	{"gzip alone", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
	{"chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
	{"chunked twice in two fields", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"obfuscated chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
	{"unknown coding before chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 501},
	{"gzip before chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
	{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	// Chunked bodies.
	{"chunk size not hex", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk size overflow", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", 400},
	{"chunk size bare LF", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400},
	{"chunk data too long", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk size with space", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 5\r\nhello\r\n0\r\n\r\n", 400},
	{"negative chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400},
	// Expectations and limits.
	{"unknown expectation", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417},
	{"body over MaxBodyBytes", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", 413},
	{"chunked body over MaxBodyBytes", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + strings.Repeat("z", 0x800) + "\r\n0\r\n\r\n", 413},
}

// readAll reads the body (so that a chunked body reaches the server's
// decoder) and answers with its length.
var readAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 512)
	n := 0
	for {
		k, err := r.Body.Read(buf)
		n += k
		if err != nil {
			break
		}
	}
	w.Header().Set("X-Read", http.StatusText(200))
})

func TestMalformedRequests(t *testing.T) {
	if len(malformed) < 40 {
		t.Fatalf("only %d malformed requests in the table", len(malformed))
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, readAll, func(s *holdfast.Server) { s.MaxBodyBytes = 1000 })
		for _, tc := range malformed {
			t.Run(tc.name, func(t *testing.T) {
				c := ts.dial(t)
				// A valid request pipelined after the bad one must not be
				// answered: the bad one ends the connection.
				c.send(tc.req + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
				resp, _ := c.response("POST")
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
				}
				if !resp.Close {
					t.Fatal("error response does not carry Connection: close")
				}
				c.expectClosed()
			})
		}
		// The server is unharmed.
		ts.dial(t).expectOpen()
		waitStats(t, ts.Server, "a protocol-error close per malformed request",
			closedBy(holdfast.CloseProtocolError, uint64(len(malformed))))
	})
}

// Accepted shapes that a strict parser must not refuse.
func TestLenientButValid(t *testing.T) {
	valid := []struct{ name, req string }{
		{"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"HTTP/1.2 taken as 1.1", "GET / HTTP/1.2\r\nHost: x\r\n\r\n"},
		{"absolute form", "GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{"asterisk OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"identical Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello"},
		{"identical Content-Length fields", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
		{"no Host in 1.0", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		{"empty field value", "GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n"},
		{"obs-text in value", "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xe9\r\n\r\n"},
		{"chunk extension", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n0\r\n\r\n"},
		{"IPv6 Host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"},
		{"unknown method", "PURGE /x HTTP/1.1\r\nHost: x\r\n\r\n"},
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, readAll)
		for _, tc := range valid {
			t.Run(tc.name, func(t *testing.T) {
				c := ts.dial(t)
				c.send(tc.req)
				if resp, _ := c.response("POST"); resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200", resp.StatusCode)
				}
				c.expectOpen()
			})
		}
	})
}
