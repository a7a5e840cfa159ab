package http1

import (
	"bytes"
	"testing"
)

// fuzzLimits are small enough for the fuzzer to reach every limit.
var fuzzLimits = Limits{MaxRequestLine: 64, MaxHeadBytes: 256, MaxFields: 8}

// fuzzCuts turns the fuzzer's split argument into cut positions: one split,
// or byte by byte for short inputs.
func fuzzCuts(n int, split uint16) []int {
	if split == 0xffff && n <= 1024 {
		return bytewiseCuts(n)
	}
	return []int{int(split) % (n + 1)}
}

func FuzzParseRequest(f *testing.F) {
	for _, g := range [][]reqCase{requestLineCases, lineEndingCases, fieldCases, hostCases, lengthCases, connectionCases} {
		for _, c := range g {
			f.Add([]byte(c.in), uint16(len(c.in)/2), false)
		}
	}
	f.Add([]byte(chromeRequest), uint16(0xffff), false)
	f.Add([]byte(curlRequest), uint16(40), true)
	f.Fuzz(func(t *testing.T, buf []byte, split uint16, small bool) {
		lim := Limits{}
		if small {
			lim = fuzzLimits
		}
		one := feedRequest(lim, buf)
		if one.n > len(buf) || one.n < 0 || (one.n > 0 && one.err != nil) {
			t.Fatalf("n=%d err=%v for %d bytes", one.n, one.err, len(buf))
		}
		if got := feedRequest(lim, buf, fuzzCuts(len(buf), split)...); got != one {
			t.Fatalf("split %d: %+v, in one piece %+v", split, got, one)
		}
		if one.err != nil {
			if _, ok := one.err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", one.err)
			}
			return
		}
		if one.n == 0 {
			return
		}
		var p Parser
		p.Limits = lim
		var req Request
		p.ParseRequest(buf, &req)
		checkAcceptedRequest(t, buf[:one.n], &req)
	})
}

// checkAcceptedRequest checks what must hold of any request head accepted.
func checkAcceptedRequest(t *testing.T, head []byte, req *Request) {
	if !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		t.Fatalf("accepted head does not end with an empty line: %q", head)
	}
	if !isToken(req.Method) || len(req.Target) == 0 || (req.Version != HTTP10 && req.Version != HTTP11) {
		t.Fatalf("bad request line accepted: %s", reqString(req))
	}
	if bytes.IndexByte(req.Target, '#') >= 0 {
		t.Fatalf("target with a fragment accepted: %q", req.Target)
	}
	if auth, ok := absoluteAuthority(req.Target); req.Form == AbsoluteForm && (!ok || bytes.IndexByte(auth, '@') >= 0) {
		t.Fatalf("absolute-form target with userinfo accepted: %q", req.Target)
	}
	if bytes.Count(head, []byte("\n")) != bytes.Count(head, []byte("\r\n")) ||
		bytes.Count(head, []byte("\r")) != bytes.Count(head, []byte("\r\n")) {
		t.Fatalf("bare CR or LF accepted: %q", head)
	}
	if req.Version == HTTP11 && req.Host == nil {
		t.Fatalf("HTTP/1.1 without Host accepted")
	}
	if req.Chunked && req.ContentLength >= 0 {
		t.Fatalf("chunked with Content-Length accepted")
	}
	for _, f := range req.Fields {
		if !isToken(f.Name) {
			t.Fatalf("field name %q is not a token", f.Name)
		}
		if !validValue(f.Value) || len(trimOWS(f.Value)) != len(f.Value) {
			t.Fatalf("field value %q has a control or untrimmed whitespace", f.Value)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, c := range responseCases {
		f.Add([]byte(c.in), uint16(len(c.in)/3), false)
	}
	f.Add([]byte(nginxResponse), uint16(0xffff), false)
	f.Fuzz(func(t *testing.T, buf []byte, split uint16, small bool) {
		lim := Limits{}
		if small {
			lim = fuzzLimits
		}
		one := feedResponse(lim, buf)
		if one.n > len(buf) || one.n < 0 || (one.n > 0 && one.err != nil) {
			t.Fatalf("n=%d err=%v for %d bytes", one.n, one.err, len(buf))
		}
		if got := feedResponse(lim, buf, fuzzCuts(len(buf), split)...); got != one {
			t.Fatalf("split %d: %+v, in one piece %+v", split, got, one)
		}
		if one.err != nil {
			if e, ok := one.err.(*Error); !ok || e.Status != 502 {
				t.Fatalf("error %v is not a 502 *Error", one.err)
			}
			return
		}
		if one.n == 0 {
			return
		}
		var p Parser
		p.Limits = lim
		var resp Response
		p.ParseResponse(buf, &resp)
		if resp.Status < 100 || resp.Status > 599 || (resp.Chunked && resp.ContentLength >= 0) {
			t.Fatalf("bad response accepted: %s", respString(&resp))
		}
		for _, fl := range resp.Fields {
			if !isToken(fl.Name) || !validValue(fl.Value) {
				t.Fatalf("bad field accepted: %q: %q", fl.Name, fl.Value)
			}
		}
	})
}

func FuzzChunkedDecoder(f *testing.F) {
	for _, c := range chunkCases {
		f.Add([]byte(c.in), uint16(len(c.in)/2), uint16(len(c.in)*3/4))
	}
	f.Add(AppendLastChunk(AppendChunk(nil, bytes.Repeat([]byte("ab"), 300))), uint16(1), uint16(0xffff))
	f.Fuzz(func(t *testing.T, src []byte, split1, split2 uint16) {
		newDecoder := func() *ChunkedDecoder {
			return &ChunkedDecoder{MaxTrailerBytes: 128, MaxExtensionBytes: 64}
		}
		d := newDecoder()
		p1, n1, err1 := decodeChunked(d, src)
		if n1 > len(src) || n1 < 0 {
			t.Fatalf("consumed %d of %d bytes", n1, len(src))
		}
		if len(p1) > n1 {
			t.Fatalf("%d payload bytes from %d input bytes", len(p1), n1)
		}
		cuts := []int{int(split1) % (len(src) + 1), int(split2) % (len(src) + 1)}
		if cuts[1] < cuts[0] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		mid := cuts[0]
		if split2 == 0xffff && len(src) <= 1024 {
			cuts = bytewiseCuts(len(src))
		}
		p2, n2, err2 := decodeChunked(newDecoder(), src, cuts...)
		if !bytes.Equal(p1, p2) || n1 != n2 || err1 != err2 {
			t.Fatalf("split %v: %q %d %v; in one piece %q %d %v", cuts, p2, n2, err2, p1, n1, err1)
		}
		if err1 == nil && d.Done() {
			for _, fl := range d.Trailers() {
				if !isToken(fl.Name) || !validValue(fl.Value) {
					t.Fatalf("bad trailer accepted: %q: %q", fl.Name, fl.Value)
				}
			}
		}
		// Whatever the bytes, they survive an encode-decode round trip.
		enc := AppendLastChunk(AppendChunk(AppendChunk(nil, src[:mid]), src[mid:]))
		got, used, err := decodeChunked(newDecoder(), enc, int(split1)%(len(enc)+1))
		if err != nil || used != len(enc) || !bytes.Equal(got, src) {
			t.Fatalf("round trip: %v, %d of %d bytes, %q", err, used, len(enc), got)
		}
	})
}
