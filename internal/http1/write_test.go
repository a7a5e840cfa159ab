package http1

import (
	"net/http"
	"testing"
	"time"
)

var bytesTime = time.Date(2024, time.May, 7, 10, 4, 9, 0, time.FixedZone("CEST", 2*3600))

func TestAppendStatusLine(t *testing.T) {
	cases := []struct {
		code int
		want string
	}{
		{200, "HTTP/1.1 200 OK\r\n"},
		{100, "HTTP/1.1 100 Continue\r\n"},
		{101, "HTTP/1.1 101 Switching Protocols\r\n"},
		{204, "HTTP/1.1 204 No Content\r\n"},
		{404, "HTTP/1.1 404 Not Found\r\n"},
		{413, "HTTP/1.1 413 Content Too Large\r\n"},
		{431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
		{505, "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
		{511, "HTTP/1.1 511 Network Authentication Required\r\n"},
		{299, "HTTP/1.1 299 \r\n"}, // unregistered: empty reason, SP kept
		{418, "HTTP/1.1 418 \r\n"}, // registered as (Unused)
		{999, "HTTP/1.1 999 \r\n"},
		{99, "HTTP/1.1 500 Internal Server Error\r\n"},
		{1000, "HTTP/1.1 500 Internal Server Error\r\n"},
		{-1, "HTTP/1.1 500 Internal Server Error\r\n"},
	}
	for _, c := range cases {
		if got := string(AppendStatusLine([]byte("x"), c.code)); got != "x"+c.want {
			t.Errorf("AppendStatusLine(%d) = %q, want %q", c.code, got, c.want)
		}
	}
	// Every registered code net/http knows has a phrase here too, except the
	// ones RFC 9110 renamed or unregistered.
	for code := 100; code < 600; code++ {
		if http.StatusText(code) != "" && StatusText(code) == "" && code != 418 {
			t.Errorf("no reason phrase for %d (%s)", code, http.StatusText(code))
		}
	}
	dst := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { dst = AppendStatusLine(dst[:0], 404) }); n != 0 {
		t.Errorf("AppendStatusLine allocates %v times", n)
	}
}

func TestAppendDate(t *testing.T) {
	times := []time.Time{
		bytesTime,
		time.Unix(0, 0),
		time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC),
		time.Date(2000, time.February, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC),
		time.Date(33, time.January, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 0; i < 500; i++ {
		times = append(times, time.Unix(int64(i)*7777777+int64(i*i), 0))
	}
	for _, tm := range times {
		want := tm.UTC().Format(http.TimeFormat)
		if got := string(AppendDate(nil, tm)); got != want {
			t.Fatalf("AppendDate(%v) = %q, want %q", tm, got, want)
		}
	}
	dst := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { dst = AppendDate(dst[:0], bytesTime) }); n != 0 {
		t.Errorf("AppendDate allocates %v times", n)
	}
}

func TestAppendField(t *testing.T) {
	if got := string(AppendField([]byte("a"), "Content-Type", "text/plain")); got != "aContent-Type: text/plain\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestValidField(t *testing.T) {
	names := map[string]bool{
		"Content-Type": true, "x": true, "!#$%&'*+-.^_`|~09azAZ": true,
		"": false, "a b": false, "a:": false, "a\r": false, "a\n": false, "(x)": false,
		"caf\xc3\xa9": false, "a\x00": false, "a/b": false,
	}
	for s, want := range names {
		if got := ValidFieldName(s); got != want {
			t.Errorf("ValidFieldName(%q) = %v", s, got)
		}
	}
	values := map[string]bool{
		"": true, "text/plain; q=1": true, "a\tb": true, " lead and trail ": true,
		"caf\xc3\xa9 \xff": true, "a\r\nX-Injected: 1": false, "a\rb": false,
		"a\nb": false, "a\x00b": false, "a\x7fb": false, "\x1b": false,
	}
	for s, want := range values {
		if got := ValidFieldValue(s); got != want {
			t.Errorf("ValidFieldValue(%q) = %v", s, got)
		}
	}
}

func TestAppendKeepAlive(t *testing.T) {
	cases := []struct {
		timeout, max int
		want         string
	}{
		{5, 99, "Keep-Alive: timeout=5, max=99\r\n"},
		{5, -1, "Keep-Alive: timeout=5\r\n"},
		{-1, 3, "Keep-Alive: max=3\r\n"},
		{0, 0, "Keep-Alive: timeout=0, max=0\r\n"},
		{-1, -1, ""},
	}
	for _, c := range cases {
		got := string(AppendKeepAlive(nil, c.timeout, c.max))
		if got != c.want {
			t.Errorf("AppendKeepAlive(%d, %d) = %q, want %q", c.timeout, c.max, got, c.want)
		}
		if c.want == "" {
			continue
		}
		// What we write, we read back.
		tm, mx := ParseKeepAlive([]byte(got[len("Keep-Alive: ") : len(got)-2]))
		if tm != c.timeout || mx != c.max {
			t.Errorf("round trip of %q: %d, %d", got, tm, mx)
		}
	}
}

func TestParseKeepAlive(t *testing.T) {
	cases := []struct {
		in           string
		timeout, max int
	}{
		{"timeout=5, max=100", 5, 100},
		{"max=100, timeout=5", 5, 100},
		{"Timeout=5,MAX=7", 5, 7},
		{"  timeout = 5 ,  max = 9  ", 5, 9},
		{"timeout=5", 5, -1},
		{"max=3", -1, 3},
		{"", -1, -1},
		{",,", -1, -1},
		{"foo=bar, timeout=15, x", 15, -1},
		{`timeout="30", max="2"`, 30, 2},
		{"timeout=-1, max=2", -1, 2},
		{"timeout=abc, max=2x", -1, -1},
		{"timeout=, max", -1, -1},
		{"timeout=99999999999999999999", -1, -1},
		{"timeout=1, timeout=2", 1, -1},
		{"timeouts=5, maximum=3", -1, -1},
		{"timeout=5; max=3", -1, -1}, // not a list: "5; max=3" is no number
	}
	for _, c := range cases {
		tm, mx := ParseKeepAlive([]byte(c.in))
		if tm != c.timeout || mx != c.max {
			t.Errorf("ParseKeepAlive(%q) = %d, %d; want %d, %d", c.in, tm, mx, c.timeout, c.max)
		}
	}
}

func TestPersistent(t *testing.T) {
	cases := []struct {
		v                Version
		close, keepAlive bool
		want             bool
	}{
		{HTTP11, false, false, true},
		{HTTP11, true, false, false},
		{HTTP11, false, true, true},
		{HTTP11, true, true, false},
		{HTTP10, false, false, false},
		{HTTP10, false, true, true},
		{HTTP10, true, true, false},
		{HTTP10, true, false, false},
	}
	for _, c := range cases {
		if got := Persistent(c.v, c.close, c.keepAlive); got != c.want {
			t.Errorf("Persistent(%v, close=%v, keep-alive=%v) = %v", c.v, c.close, c.keepAlive, got)
		}
	}
}

func TestRequestFraming(t *testing.T) {
	cases := []struct {
		r    Request
		want Framing
	}{
		{Request{ContentLength: -1}, NoBody},
		{Request{ContentLength: 0}, NoBody},
		{Request{ContentLength: 10}, Length},
		{Request{ContentLength: -1, Chunked: true}, Chunked},
	}
	for _, c := range cases {
		if got := RequestFraming(&c.r); got != c.want {
			t.Errorf("RequestFraming(%+v) = %v, want %v", c.r, got, c.want)
		}
	}
}

func TestResponseFraming(t *testing.T) {
	resp := func(status int, cl int64, chunked, other bool) *Response {
		return &Response{Status: status, ContentLength: cl, Chunked: chunked, OtherEncoding: other}
	}
	cases := []struct {
		method string
		r      *Response
		want   Framing
	}{
		{"GET", resp(200, 10, false, false), Length},
		{"GET", resp(200, 0, false, false), NoBody},
		{"GET", resp(200, -1, false, false), UntilClose},
		{"GET", resp(200, -1, true, false), Chunked},
		{"GET", resp(200, -1, false, true), UntilClose},
		{"HEAD", resp(200, 10, false, false), NoBody},
		{"HEAD", resp(200, -1, true, false), NoBody},
		{"GET", resp(100, -1, false, false), NoBody},
		{"GET", resp(103, 10, false, false), NoBody},
		{"GET", resp(204, 10, false, false), NoBody},
		{"GET", resp(304, 10, false, false), NoBody},
		{"GET", resp(101, -1, false, false), Tunnel},
		{"CONNECT", resp(200, -1, false, false), Tunnel},
		{"CONNECT", resp(299, 10, false, false), Tunnel},
		{"CONNECT", resp(407, 10, false, false), Length},
		{"POST", resp(500, -1, true, false), Chunked},
	}
	for _, c := range cases {
		if got := ResponseFraming(c.method, c.r); got != c.want {
			t.Errorf("ResponseFraming(%s, %d cl=%d chunked=%v other=%v) = %v, want %v",
				c.method, c.r.Status, c.r.ContentLength, c.r.Chunked, c.r.OtherEncoding, got, c.want)
		}
	}
}
