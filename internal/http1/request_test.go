package http1

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

type reqCase struct {
	name  string
	in    string
	err   *Error                // nil: the head is valid
	check func(r *Request) bool // for a valid head: what it must have said
}

// head wraps field lines in an HTTP/1.1 GET with a Host.
func head(fields ...string) string {
	return "GET / HTTP/1.1\r\nHost: example.com\r\n" + strings.Join(fields, "") + "\r\n"
}

// headNoHost is an HTTP/1.1 GET with only the given field lines.
func headNoHost(fields ...string) string {
	return "GET / HTTP/1.1\r\n" + strings.Join(fields, "") + "\r\n"
}

func head10(fields ...string) string {
	return "GET / HTTP/1.0\r\n" + strings.Join(fields, "") + "\r\n"
}

func line(s string) string { return "GET " + s + " HTTP/1.1\r\nHost: h\r\n\r\n" }

var requestLineCases = []reqCase{
	{"simple", head(), nil, func(r *Request) bool {
		return string(r.Method) == "GET" && string(r.Target) == "/" && r.Form == OriginForm &&
			r.Version == HTTP11 && string(r.Host) == "example.com" && r.ContentLength == -1
	}},
	{"http/1.0 without host", "GET /x?y=1 HTTP/1.0\r\n\r\n", nil, func(r *Request) bool {
		return r.Version == HTTP10 && r.Host == nil
	}},
	{"http/1.2 is 1.1", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", nil, func(r *Request) bool { return r.Version == HTTP11 }},
	{"http/1.9 is 1.1", "GET / HTTP/1.9\r\nHost: h\r\n\r\n", nil, func(r *Request) bool { return r.Version == HTTP11 }},
	{"asterisk with M-SEARCH", "M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"token method", "PURGE~1 / HTTP/1.1\r\nHost: h\r\n\r\n", nil, func(r *Request) bool { return string(r.Method) == "PURGE~1" }},
	{"absolute form", line("http://example.com/a?b"), nil, func(r *Request) bool { return r.Form == AbsoluteForm }},
	{"absolute form no path", line("https://example.com"), nil, func(r *Request) bool { return r.Form == AbsoluteForm }},
	{"absolute form other scheme", line("svn+ssh.x-1://h/"), nil, func(r *Request) bool { return r.Form == AbsoluteForm }},
	{"absolute form empty authority", line("http:///x"), ErrBadTarget, nil},
	{"absolute form nothing", line("http://"), ErrBadTarget, nil},
	{"absolute form bad scheme", line("1http://h/"), ErrBadTarget, nil},
	{"absolute form no slashes", line("http:h/"), ErrBadTarget, nil},
	{"absolute form with userinfo", line("http://user@example.com/"), ErrTargetUserinfo, nil},
	{"absolute form with user and password", line("http://u:p@example.com:80/a"), ErrTargetUserinfo, nil},
	{"absolute form with empty userinfo", line("https://@example.com/"), ErrTargetUserinfo, nil},
	{"absolute form at sign in path", line("http://example.com/a@b"), nil, func(r *Request) bool { return r.Form == AbsoluteForm }},
	{"absolute form at sign in query", line("http://example.com?to=a@b"), nil, func(r *Request) bool { return r.Form == AbsoluteForm }},
	{"absolute form with fragment", line("http://example.com/#f"), ErrTargetFragment, nil},
	{"origin form with fragment", line("/#frag"), ErrTargetFragment, nil},
	{"origin form with fragment after query", line("/a?b#c"), ErrTargetFragment, nil},
	{"origin form with empty fragment", line("/a#"), ErrTargetFragment, nil},
	{"origin form at sign", line("/@user"), nil, func(r *Request) bool { return r.Form == OriginForm }},
	{"origin form percent-encoded hash", line("/a%23b"), nil, func(r *Request) bool { return string(r.Target) == "/a%23b" }},
	{"connect with userinfo", "CONNECT u@h:443 HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"origin form double slash", line("//x"), nil, func(r *Request) bool { return r.Form == OriginForm }},
	{"obs-text in target", line("/caf\xc3\xa9"), nil, nil},
	{"ctl in target", line("/a\x01b"), ErrRequestLineControl, nil},
	{"del in target", line("/a\x7fb"), ErrRequestLineControl, nil},
	{"tab in target", line("/a\tb"), ErrRequestLineControl, nil},
	{"relative target", line("foo"), ErrBadTarget, nil},
	{"authority form with GET", line("example.com:80"), ErrBadTarget, nil},
	{"asterisk with GET", line("*"), ErrBadTarget, nil},
	{"options asterisk", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", nil, func(r *Request) bool { return r.Form == AsteriskForm }},
	{"options origin", "OPTIONS /x HTTP/1.1\r\nHost: h\r\n\r\n", nil, func(r *Request) bool { return r.Form == OriginForm }},
	{"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", nil, func(r *Request) bool { return r.Form == AuthorityForm }},
	{"connect ipv6", "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", nil, func(r *Request) bool { return r.Form == AuthorityForm }},
	{"connect without port", "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"connect empty port", "CONNECT example.com: HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"connect origin form", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"connect absolute form", "CONNECT http://h:1/ HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"connect lower case is another method", "connect h:443 HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadTarget, nil},
	{"two spaces after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"two spaces after target", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"leading space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"tabs", "GET\t/\tHTTP/1.1\r\nHost: h\r\n\r\n", ErrRequestLineControl, nil},
	{"no version", "GET /\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"method only", "GET\r\n\r\n", ErrBadRequestLine, nil},
	{"whitespace line first", " \r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"whitespace line of spaces", "   \r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadRequestLine, nil},
	{"bad method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadMethod, nil},
	{"non-ascii method", "G\xc3\x89T / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadMethod, nil},
	{"empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBadMethod, nil},
	{"version HTTP/1", "GET / HTTP/1\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version HTTP/1.1.1", "GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version lower case", "GET / http/1.1\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version HTTP/11", "GET / HTTP/11\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version HTTP/1.x", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version HTTP/10.0", "GET / HTTP/10.0\r\nHost: h\r\n\r\n", ErrBadVersion, nil},
	{"version HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", ErrVersionNotSupported, nil},
	{"version HTTP/0.9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", ErrVersionNotSupported, nil},
	{"version HTTP/3.0", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", ErrVersionNotSupported, nil},
	{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ErrVersionNotSupported, nil},
}

var lineEndingCases = []reqCase{
	{"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", nil, nil},
	{"bare LF after request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", ErrBareLF, nil},
	{"bare LF after field", "GET / HTTP/1.1\r\nHost: h\n\r\n", ErrBareLF, nil},
	{"bare LF ending head", "GET / HTTP/1.1\r\nHost: h\r\n\n", ErrBareLF, nil},
	{"bare LF as leading line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBareLF, nil},
	{"bare CR as leading line", "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", ErrBareCR, nil},
	{"bare CR in request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", ErrBareCR, nil},
	{"bare CR in value", head("X: a\rb\r\n"), ErrBareCR, nil},
	{"bare CR in name", head("X\rY: a\r\n"), ErrBareCR, nil},
	{"bare CR alone on a line", head("\r\r\n"), ErrBareCR, nil},
	{"bare CR before end", "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n", ErrBareCR, nil},
}

var fieldCases = []reqCase{
	{"fields kept in order", head("A: 1\r\n", "b: 2\r\n"), nil, func(r *Request) bool {
		return len(r.Fields) == 3 && string(r.Fields[1].Name) == "A" && string(r.Fields[2].Name) == "b" &&
			string(r.Fields[2].Value) == "2" && string(r.Get("B")) == "2" && r.Get("c") == nil
	}},
	{"value trimmed", head("X: \t a  b \t \r\n"), nil, func(r *Request) bool { return string(r.Get("x")) == "a  b" }},
	{"empty value", head("X:\r\n"), nil, func(r *Request) bool { return r.Get("x") != nil && len(r.Get("x")) == 0 }},
	{"obs-text value", head("X: caf\xc3\xa9 \xff\r\n"), nil, nil},
	{"tab in value", head("X: a\tb\r\n"), nil, nil},
	{"space before colon", headNoHost("Host : h\r\n"), ErrSpaceBeforeColon, nil},
	{"tab before colon", head("X\t: a\r\n"), ErrSpaceBeforeColon, nil},
	{"obs-fold", head("X: a\r\n", " b\r\n"), ErrObsFold, nil},
	{"obs-fold tab", head("X: a\r\n", "\tb\r\n"), ErrObsFold, nil},
	{"whitespace before first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", ErrObsFold, nil},
	{"empty name", head(": a\r\n"), ErrBadFieldName, nil},
	{"space in name", head("X Y: a\r\n"), ErrBadFieldName, nil},
	{"separator in name", head("X(Y): a\r\n"), ErrBadFieldName, nil},
	{"non-ascii name", head("X\xc3\xa9: a\r\n"), ErrBadFieldName, nil},
	{"no colon", head("NoColon\r\n"), ErrBadFieldName, nil},
	{"NUL in value", head("X: a\x00b\r\n"), ErrBadFieldValue, nil},
	{"DEL in value", head("X: a\x7f\r\n"), ErrBadFieldValue, nil},
	{"ESC in value", head("X: \x1b[0m\r\n"), ErrBadFieldValue, nil},
	{"too many fields", head("A: 1\r\n", "B: 2\r\n"), ErrTooManyFields, nil}, // run with MaxFields 2
}

var hostCases = []reqCase{
	{"missing host", headNoHost(), ErrMissingHost, nil},
	{"missing host with other fields", headNoHost("X: y\r\n"), ErrMissingHost, nil},
	{"duplicate host", head("Host: example.com\r\n"), ErrDuplicateHost, nil},
	{"duplicate host 1.0", head10("Host: a\r\n", "host: b\r\n"), ErrDuplicateHost, nil},
	{"host 1.0", head10("Host: a\r\n"), nil, func(r *Request) bool { return string(r.Host) == "a" }},
	{"host port", headNoHost("Host: a.example:8080\r\n"), nil, nil},
	{"host ipv4", headNoHost("Host: 127.0.0.1:80\r\n"), nil, nil},
	{"host ipv6", headNoHost("Host: [2001:db8::1]:80\r\n"), nil, nil},
	{"host ipv6 no port", headNoHost("Host: [::1]\r\n"), nil, nil},
	{"host ipvfuture", headNoHost("Host: [v1.x:y]\r\n"), nil, nil},
	{"host pct", headNoHost("Host: a%2Db\r\n"), nil, nil},
	{"host sub-delims", headNoHost("Host: a!$&'()*+,;=b\r\n"), nil, nil},
	{"host empty", headNoHost("Host:\r\n"), nil, func(r *Request) bool { return r.Host != nil && len(r.Host) == 0 }},
	{"host empty port", headNoHost("Host: a:\r\n"), nil, nil},
	{"host bad port", headNoHost("Host: a:x\r\n"), ErrBadHost, nil},
	{"host two ports", headNoHost("Host: a:1:2\r\n"), ErrBadHost, nil},
	{"host port only", headNoHost("Host: :80\r\n"), ErrBadHost, nil},
	{"host space", headNoHost("Host: a b\r\n"), ErrBadHost, nil},
	{"host slash", headNoHost("Host: a/b\r\n"), ErrBadHost, nil},
	{"host userinfo", headNoHost("Host: u@a\r\n"), ErrBadHost, nil},
	{"host bad pct", headNoHost("Host: a%zz\r\n"), ErrBadHost, nil},
	{"host short pct", headNoHost("Host: a%2\r\n"), ErrBadHost, nil},
	{"host open bracket", headNoHost("Host: [::1\r\n"), ErrBadHost, nil},
	{"host bracket junk", headNoHost("Host: [zz]\r\n"), ErrBadHost, nil},
	{"host empty brackets", headNoHost("Host: []\r\n"), ErrBadHost, nil},
	{"host bracket then junk", headNoHost("Host: [::1]x\r\n"), ErrBadHost, nil},
	{"host bad ipvfuture", headNoHost("Host: [v.x]\r\n"), ErrBadHost, nil},
	{"absolute form checks host too", "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", ErrBadHost, nil},
}

func clIs(n int64) func(*Request) bool {
	return func(r *Request) bool { return r.ContentLength == n && !r.Chunked }
}

var lengthCases = []reqCase{
	{"content-length", head("Content-Length: 5\r\n"), nil, clIs(5)},
	{"content-length zero", head("Content-Length: 0\r\n"), nil, clIs(0)},
	{"content-length leading zeros", head("Content-Length: 007\r\n"), nil, clIs(7)},
	{"content-length max", head("Content-Length: 9223372036854775807\r\n"), nil, clIs(1<<63 - 1)},
	{"content-length list", head("Content-Length: 5, 5\r\n"), nil, clIs(5)},
	{"content-length list no space", head("Content-Length: 5,5,5\r\n"), nil, clIs(5)},
	{"content-length repeated", head("Content-Length: 5\r\n", "content-length: 5\r\n"), nil, clIs(5)},
	{"content-length overflow", head("Content-Length: 9223372036854775808\r\n"), ErrBadContentLength, nil},
	{"content-length huge", head("Content-Length: 99999999999999999999999\r\n"), ErrBadContentLength, nil},
	{"content-length plus", head("Content-Length: +5\r\n"), ErrBadContentLength, nil},
	{"content-length minus", head("Content-Length: -1\r\n"), ErrBadContentLength, nil},
	{"content-length inner space", head("Content-Length: 5 5\r\n"), ErrBadContentLength, nil},
	{"content-length hex", head("Content-Length: 0x5\r\n"), ErrBadContentLength, nil},
	{"content-length empty", head("Content-Length:\r\n"), ErrBadContentLength, nil},
	{"content-length trailing comma", head("Content-Length: 5,\r\n"), ErrBadContentLength, nil},
	{"content-length empty element", head("Content-Length: 5,,5\r\n"), ErrBadContentLength, nil},
	{"content-length list differs", head("Content-Length: 5, 6\r\n"), ErrConflictingLength, nil},
	{"content-length fields differ", head("Content-Length: 5\r\n", "Content-Length: 6\r\n"), ErrConflictingLength, nil},
	{"chunked", head("Transfer-Encoding: chunked\r\n"), nil, func(r *Request) bool { return r.Chunked && r.ContentLength == -1 }},
	{"chunked case", head("Transfer-Encoding: Chunked\r\n"), nil, func(r *Request) bool { return r.Chunked }},
	{"chunked empty elements", head("Transfer-Encoding: , chunked ,\r\n"), nil, func(r *Request) bool { return r.Chunked }},
	{"gzip alone", head("Transfer-Encoding: gzip\r\n"), ErrChunkedNotFinal, nil},
	{"identity alone", head("Transfer-Encoding: identity\r\n"), ErrChunkedNotFinal, nil},
	{"empty encoding", head("Transfer-Encoding:\r\n"), ErrChunkedNotFinal, nil},
	{"chunked then gzip", head("Transfer-Encoding: chunked, gzip\r\n"), ErrChunkedNotFinal, nil},
	{"chunked with parameter", head("Transfer-Encoding: chunked;x=1\r\n"), ErrChunkedNotFinal, nil},
	{"gzip then chunked", head("Transfer-Encoding: gzip, chunked\r\n"), ErrUnknownEncoding, nil},
	{"unknown then chunked", head("Transfer-Encoding: foo, chunked\r\n"), ErrUnknownEncoding, nil},
	{"gzip then chunked fields", head("Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked\r\n"), ErrUnknownEncoding, nil},
	{"chunked twice", head("Transfer-Encoding: chunked, chunked\r\n"), ErrChunkedTwice, nil},
	{"chunked twice fields", head("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\n"), ErrChunkedTwice, nil},
	{"chunked in 1.0", head10("Transfer-Encoding: chunked\r\n"), ErrEncodingInHTTP10, nil},
	{"length and chunked", head("Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"), ErrLengthAndEncoding, nil},
	{"chunked and length", head("Transfer-Encoding: chunked\r\n", "Content-Length: 0\r\n"), ErrLengthAndEncoding, nil},
}

var connectionCases = []reqCase{
	{"close", head("Connection: close\r\n"), nil, func(r *Request) bool { return r.Close && !r.KeepAlive && !r.Upgrade }},
	{"keep-alive", head10("Connection: Keep-Alive\r\n"), nil, func(r *Request) bool { return !r.Close && r.KeepAlive }},
	{"tokens", head("Connection: keep-alive, ,Upgrade\r\n"), nil, func(r *Request) bool { return r.KeepAlive && r.Upgrade && !r.Close }},
	{"fields accumulate", head("Connection: close\r\n", "connection: upgrade\r\n"), nil, func(r *Request) bool { return r.Close && r.Upgrade }},
	{"not a token match", head("Connection: closed, keep-alive-x\r\n"), nil, func(r *Request) bool { return !r.Close && !r.KeepAlive }},
	{"expect", head("Expect: 100-continue\r\n"), nil, func(r *Request) bool { return r.Expect100 && !r.ExpectOther }},
	{"expect case", head("Expect: 100-Continue\r\n"), nil, func(r *Request) bool { return r.Expect100 }},
	{"expect other", head("Expect: foo\r\n"), nil, func(r *Request) bool { return !r.Expect100 && r.ExpectOther }},
	{"expect in 1.0 ignored", head10("Expect: 100-continue\r\n"), nil, func(r *Request) bool { return !r.Expect100 && !r.ExpectOther }},
	{"no expect", head(), nil, func(r *Request) bool { return !r.Expect100 && !r.ExpectOther }},
}

func TestParseRequest(t *testing.T) {
	groups := map[string][]reqCase{
		"line": requestLineCases, "endings": lineEndingCases, "fields": fieldCases,
		"host": hostCases, "length": lengthCases, "connection": connectionCases,
	}
	for group, cases := range groups {
		for _, c := range cases {
			t.Run(group+"/"+c.name, func(t *testing.T) { checkRequestCase(t, c) })
		}
	}
}

func checkRequestCase(t *testing.T, c reqCase) {
	lim := Limits{}
	if c.name == "too many fields" {
		lim.MaxFields = 2
	}
	var p Parser
	p.Limits = lim
	var req Request
	n, err := p.ParseRequest([]byte(c.in), &req)
	if c.err != nil {
		var e *Error
		if err != c.err || !errors.As(err, &e) || e.Status != c.err.Status || n != 0 {
			t.Fatalf("ParseRequest(%q) = %d, %v; want error %v", c.in, n, err, c.err)
		}
		return
	}
	want := len(c.in)
	if i := strings.Index(c.in, "\r\n\r\n"); c.name != "leading empty lines" && i >= 0 {
		want = i + 4
	}
	if err != nil || n != want {
		t.Fatalf("ParseRequest(%q) = %d, %v; want %d, nil", c.in, n, err, want)
	}
	if c.check != nil && !c.check(&req) {
		t.Fatalf("ParseRequest(%q): wrong result %s", c.in, reqString(&req))
	}
}

// Every case, split in two at every position and fed byte by byte, must
// give what it gives in one piece.
func TestParseRequestSplit(t *testing.T) {
	var all []reqCase
	for _, g := range [][]reqCase{requestLineCases, lineEndingCases, fieldCases, hostCases, lengthCases, connectionCases} {
		all = append(all, g...)
	}
	for _, c := range all {
		buf := []byte(c.in + "BODY")
		lim := Limits{}
		if c.name == "too many fields" {
			lim.MaxFields = 2
		}
		want := feedRequest(lim, buf)
		for i := 0; i <= len(buf); i++ {
			if got := feedRequest(lim, buf, i); got != want {
				t.Fatalf("%s: split at %d: %+v, want %+v", c.name, i, got, want)
			}
		}
		if got := feedRequest(lim, buf, bytewiseCuts(len(buf))...); got != want {
			t.Fatalf("%s: byte by byte: %+v, want %+v", c.name, got, want)
		}
	}
}

func TestParseRequestIncomplete(t *testing.T) {
	full := "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r"
	for i := 0; i <= len(full); i++ {
		var p Parser
		var req Request
		if n, err := p.ParseRequest([]byte(full[:i]), &req); n != 0 || err != nil {
			t.Fatalf("prefix %q: %d, %v; want 0, nil", full[:i], n, err)
		}
	}
}

func TestParserReset(t *testing.T) {
	var p Parser
	var req Request
	two := []byte("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n")
	n, err := p.ParseRequest(two, &req)
	if err != nil || string(req.Target) != "/a" {
		t.Fatalf("first: %d %v %s", n, err, reqString(&req))
	}
	// Without Reset the parser keeps answering about the first head.
	if n2, err := p.ParseRequest(two, &req); n2 != n || err != nil {
		t.Fatalf("again: %d %v", n2, err)
	}
	p.Reset()
	n2, err := p.ParseRequest(two[n:], &req)
	if err != nil || n+n2 != len(two) || string(req.Target) != "/b" || len(req.Fields) != 2 {
		t.Fatalf("second: %d %v %s", n2, err, reqString(&req))
	}
	// An error sticks until Reset.
	p.Reset()
	if _, err := p.ParseRequest([]byte("GET / HTTP/1.1\n"), &req); err != ErrBareLF {
		t.Fatalf("bad: %v", err)
	}
	if _, err := p.ParseRequest(two, &req); err != ErrBareLF {
		t.Fatalf("error did not stick: %v", err)
	}
}

func TestParseRequestLimits(t *testing.T) {
	lim := Limits{MaxRequestLine: 100, MaxHeadBytes: 300, MaxFields: 5}
	reqLine := func(n int) string { return "GET /" + strings.Repeat("a", n-len("GET / HTTP/1.1")) + " HTTP/1.1" }
	cases := []struct {
		name string
		in   string
		n    int
		err  error
	}{
		{"line at limit", reqLine(100) + "\r\nHost: h\r\n\r\n", 100 + 13, nil},
		{"line over limit", reqLine(101) + "\r\nHost: h\r\n\r\n", 0, ErrRequestLineTooLong},
		{"line over limit, no CRLF yet", strings.Repeat("a", 101), 0, ErrRequestLineTooLong},
		{"line at limit, CR but no LF yet", strings.Repeat("a", 100) + "\r", 0, nil},
		{"line at limit, no CRLF yet", strings.Repeat("a", 100), 0, nil},
		{"leading CRLFs do not count to the line", "\r\n\r\n" + reqLine(100) + "\r\nHost: h\r\n\r\n", 4 + 100 + 13, nil},
		{"line over limit with bare LF", strings.Repeat("a", 101) + "\n", 0, ErrRequestLineTooLong},
		{"head at limit", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 300-16-9-7) + "\r\n\r\n", 300, nil},
		{"head over limit", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 301-16-9-7) + "\r\n\r\n", 0, ErrHeadTooLarge},
		{"head over limit, no end yet", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 300), 0, ErrHeadTooLarge},
		{"head at limit, no end yet", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 300-16-9-3), 0, nil},
		{"endless empty lines", strings.Repeat("\r\n", 151), 0, ErrHeadTooLarge},
		{"fields at limit", head("A: 1\r\n", "A: 1\r\n", "A: 1\r\n", "A: 1\r\n"), len(head("A: 1\r\n", "A: 1\r\n", "A: 1\r\n", "A: 1\r\n")), nil},
		{"fields over limit, no end yet", "GET / HTTP/1.1\r\n" + strings.Repeat("A: 1\r\n", 6), 0, ErrTooManyFields},
	}
	for _, c := range cases {
		buf := []byte(c.in)
		got := feedRequest(lim, buf)
		if got.n != c.n || got.err != c.err {
			t.Errorf("%s: %d, %v; want %d, %v", c.name, got.n, got.err, c.n, c.err)
		}
		if split := feedRequest(lim, buf, bytewiseCuts(len(buf))...); split != got {
			t.Errorf("%s: byte by byte %+v, in one piece %+v", c.name, split, got)
		}
	}
}

// A head fed one byte at a time must cost time linear in its size: the
// parser resumes its search where it stopped rather than starting over.
func TestParseRequestLinearScan(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("GET / HTTP/1.1\r\nHost: h\r\n")
	for b.Len() < 60<<10 {
		b.WriteString("X-Filler: " + strings.Repeat("v", 90) + "\r\n")
	}
	b.WriteString("\r\n")
	buf := b.Bytes()
	p := Parser{Limits: Limits{MaxHeadBytes: 64 << 10, MaxFields: 1000}}
	var req Request
	for i := 1; i <= len(buf); i++ {
		n, err := p.ParseRequest(buf[:i], &req)
		if err != nil || (n != 0) != (i == len(buf)) {
			t.Fatalf("at %d: %d, %v", i, n, err)
		}
	}
	if p.scanned > 2*len(buf) {
		t.Fatalf("scanned %d bytes for a %d-byte head fed byte by byte", p.scanned, len(buf))
	}
}

func TestParseRequestZeroAlloc(t *testing.T) {
	buf := []byte(chromeRequest)
	var p Parser
	var req Request
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		if _, err := p.ParseRequest(buf, &req); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per parse", allocs)
	}
}

// Limits set to the largest int mean "no limit" and must not overflow.
func TestParseRequestHugeLimits(t *testing.T) {
	lim := Limits{MaxRequestLine: math.MaxInt, MaxHeadBytes: math.MaxInt, MaxFields: math.MaxInt}
	in := "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
	buf := []byte(in)
	if got := feedRequest(lim, buf, bytewiseCuts(len(buf))...); got.err != nil || got.n != len(in) {
		t.Fatalf("%+v", got)
	}
}

// A request line that can never be served is refused as soon as it is
// complete, and a control byte as soon as it arrives: the rest of the head
// is not waited for.
func TestParseRequestRefusedEarly(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"GET /\r\n", ErrBadRequestLine},
		{"PRI * HTTP/2.0\r\n", ErrVersionNotSupported},
		{"GET / HTTP/1.1 extra\r\n", ErrBadRequestLine},
		{"G@T / HTTP/1.1\r\n", ErrBadMethod},
		{"\x00", ErrRequestLineControl},
		{strings.Repeat("\x00", 4096), ErrRequestLineControl},
		{"GET /a\x01", ErrRequestLineControl},
		{"\r\n\r\nGET / HTTP/1.1\x1b", ErrRequestLineControl},
	}
	for _, c := range cases {
		var p Parser
		var req Request
		if n, err := p.ParseRequest([]byte(c.in), &req); n != 0 || err != c.want {
			t.Errorf("ParseRequest(%q) = %d, %v; want %v", c.in, n, err, c.want)
		}
	}
}
