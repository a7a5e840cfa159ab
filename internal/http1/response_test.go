package http1

import (
	"strings"
	"testing"
)

type respCase struct {
	name  string
	in    string
	err   *Error
	check func(r *Response) bool
}

func resp200(fields ...string) string {
	return "HTTP/1.1 200 OK\r\n" + strings.Join(fields, "") + "\r\n"
}

var responseCases = []respCase{
	{"simple", resp200("Content-Length: 5\r\n"), nil, func(r *Response) bool {
		return r.Version == HTTP11 && r.Status == 200 && string(r.Reason) == "OK" && r.ContentLength == 5 &&
			r.KeepAliveTimeout == -1 && r.KeepAliveMax == -1 && string(r.Get("content-length")) == "5"
	}},
	{"1.0", "HTTP/1.0 404 Not Found\r\n\r\n", nil, func(r *Response) bool {
		return r.Version == HTTP10 && r.Status == 404 && r.ContentLength == -1
	}},
	{"1.2 is 1.1", "HTTP/1.2 200 OK\r\n\r\n", nil, func(r *Response) bool { return r.Version == HTTP11 }},
	{"no reason", "HTTP/1.1 204 \r\n\r\n", nil, func(r *Response) bool { return r.Status == 204 && len(r.Reason) == 0 }},
	{"no reason no space", "HTTP/1.1 204\r\n\r\n", nil, func(r *Response) bool { return r.Status == 204 && len(r.Reason) == 0 }},
	{"reason with spaces", "HTTP/1.1 404 Not  Found At\tAll\r\n\r\n", nil, func(r *Response) bool { return string(r.Reason) == "Not  Found At\tAll" }},
	{"obs-text reason", "HTTP/1.1 200 D\xfcrfen\r\n\r\n", nil, nil},
	{"interim", "HTTP/1.1 100 Continue\r\n\r\n", nil, func(r *Response) bool { return r.Status == 100 }},
	{"early hints", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", nil, func(r *Response) bool { return r.Status == 103 }},
	{"leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n", nil, nil},
	{"status 599", "HTTP/1.1 599 x\r\n\r\n", nil, nil},
	{"status 600", "HTTP/1.1 600 x\r\n\r\n", ErrBadStatusLine, nil},
	{"status 099", "HTTP/1.1 099 x\r\n\r\n", ErrBadStatusLine, nil},
	{"status 2 digits", "HTTP/1.1 20 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"status 4 digits", "HTTP/1.1 2000 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"status letters", "HTTP/1.1 2x0 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"two spaces", "HTTP/1.1  200 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"no space", "HTTP/1.1200 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"ctl in reason", "HTTP/1.1 200 O\x00K\r\n\r\n", ErrBadStatusLine, nil},
	{"bad version", "HTTP/1.x 200 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"lower case version", "http/1.1 200 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"not http", "ICY 200 OK\r\n\r\n", ErrBadStatusLine, nil},
	{"version 2", "HTTP/2.0 200 OK\r\n\r\n", ErrResponseVersion, nil},
	{"version 0.9", "HTTP/0.9 200 OK\r\n\r\n", ErrResponseVersion, nil},
	{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", ErrResponseBareLF, nil},
	{"bare LF at end", "HTTP/1.1 200 OK\r\n\n", ErrResponseBareLF, nil},
	{"bare CR in status", "HTTP/1.1 200 O\rK\r\n\r\n", ErrResponseBareCR, nil},
	{"bare CR in field", resp200("X: a\rb\r\n"), ErrResponseBareCR, nil},
	{"space before colon tolerated", resp200("Content-Length : 3\r\n"), nil, func(r *Response) bool {
		return r.ContentLength == 3 && string(r.Fields[0].Name) == "Content-Length"
	}},
	{"obs-fold", resp200("X: a\r\n", " b\r\n"), ErrBadResponseField, nil},
	{"bad name", resp200("X Y: a\r\n"), ErrBadResponseField, nil},
	{"no colon", resp200("X\r\n"), ErrBadResponseField, nil},
	{"NUL in value", resp200("X: \x00\r\n"), ErrBadResponseField, nil},
	{"length list", resp200("Content-Length: 7, 7\r\n"), nil, func(r *Response) bool { return r.ContentLength == 7 }},
	{"bad length", resp200("Content-Length: 7a\r\n"), ErrBadResponseLength, nil},
	{"conflicting length", resp200("Content-Length: 7\r\n", "Content-Length: 8\r\n"), ErrConflictingResponseLength, nil},
	{"chunked", resp200("Transfer-Encoding: chunked\r\n"), nil, func(r *Response) bool { return r.Chunked && !r.OtherEncoding }},
	{"gzip then chunked", resp200("Transfer-Encoding: gzip, chunked\r\n"), nil, func(r *Response) bool { return r.Chunked && !r.OtherEncoding }},
	{"gzip", resp200("Transfer-Encoding: gzip\r\n"), nil, func(r *Response) bool { return !r.Chunked && r.OtherEncoding }},
	{"chunked then gzip", resp200("Transfer-Encoding: chunked, gzip\r\n"), nil, func(r *Response) bool { return !r.Chunked && r.OtherEncoding }},
	{"chunked twice", resp200("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\n"), ErrResponseChunkedTwice, nil},
	{"length and chunked", resp200("Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"), ErrResponseLengthAndEncoding, nil},
	{"chunked in 1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ErrResponseEncodingInHTTP10, nil},
	{"connection", resp200("Connection: close\r\n"), nil, func(r *Response) bool { return r.Close && !r.KeepAlive }},
	{"keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n", nil, func(r *Response) bool {
		return r.KeepAlive && !r.Close && r.KeepAliveTimeout == 5 && r.KeepAliveMax == 100
	}},
	{"keep-alive partial", resp200("Keep-Alive: max=3\r\n"), nil, func(r *Response) bool { return r.KeepAliveTimeout == -1 && r.KeepAliveMax == 3 }},
	{"too many fields", resp200("A: 1\r\n", "A: 1\r\n", "A: 1\r\n"), ErrResponseTooManyFields, nil},
}

func TestParseResponse(t *testing.T) {
	for _, c := range responseCases {
		t.Run(c.name, func(t *testing.T) {
			p := Parser{Limits: Limits{MaxFields: 2}}
			var resp Response
			n, err := p.ParseResponse([]byte(c.in+"body"), &resp)
			if c.err != nil {
				if err != c.err || n != 0 {
					t.Fatalf("ParseResponse(%q) = %d, %v; want %v", c.in, n, err, c.err)
				}
				if c.err.Status != 502 {
					t.Fatalf("%v has status %d", c.err, c.err.Status)
				}
				return
			}
			if err != nil || n != len(c.in) {
				t.Fatalf("ParseResponse(%q) = %d, %v; want %d, nil", c.in, n, err, len(c.in))
			}
			if c.check != nil && !c.check(&resp) {
				t.Fatalf("ParseResponse(%q): wrong result %s", c.in, respString(&resp))
			}
		})
	}
}

func TestParseResponseSplit(t *testing.T) {
	for _, c := range responseCases {
		buf := []byte(c.in + "body")
		lim := Limits{MaxFields: 2}
		want := feedResponse(lim, buf)
		for i := 0; i <= len(buf); i++ {
			if got := feedResponse(lim, buf, i); got != want {
				t.Fatalf("%s: split at %d: %+v, want %+v", c.name, i, got, want)
			}
		}
	}
}

func TestParseResponseLimits(t *testing.T) {
	lim := Limits{MaxRequestLine: 40, MaxHeadBytes: 100}
	cases := []struct {
		name string
		in   string
		err  error
	}{
		{"status line too long", "HTTP/1.1 200 " + strings.Repeat("x", 28), ErrStatusLineTooLong},
		{"status line at limit", "HTTP/1.1 200 " + strings.Repeat("x", 27) + "\r\n\r\n", nil},
		{"head too large", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", 100), ErrResponseHead},
	}
	for _, c := range cases {
		got := feedResponse(lim, []byte(c.in))
		if got.err != c.err {
			t.Errorf("%s: %v, want %v", c.name, got.err, c.err)
		}
	}
}

// A 1xx is returned on its own; the caller resets and parses the next head.
func TestParseResponseInterim(t *testing.T) {
	buf := []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	var p Parser
	var resp Response
	n, err := p.ParseResponse(buf, &resp)
	if err != nil || resp.Status != 100 || ResponseFraming("POST", &resp) != NoBody {
		t.Fatalf("interim: %d %v %s", n, err, respString(&resp))
	}
	p.Reset()
	n2, err := p.ParseResponse(buf[n:], &resp)
	if err != nil || resp.Status != 200 || string(buf[n+n2:]) != "hi" || ResponseFraming("POST", &resp) != Length {
		t.Fatalf("final: %d %v %s", n2, err, respString(&resp))
	}
}

func TestParseResponseZeroAlloc(t *testing.T) {
	buf := []byte(nginxResponse)
	var p Parser
	var resp Response
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		if _, err := p.ParseResponse(buf, &resp); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per parse", allocs)
	}
}
