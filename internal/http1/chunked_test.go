package http1

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

type chunkCase struct {
	name    string
	in      string
	payload string // what the body decodes to (up to the error, if any)
	err     error
	tail    string // bytes after the body, not consumed
}

var chunkCases = []chunkCase{
	{"simple", "5\r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"empty body", "0\r\n\r\n", "", nil, ""},
	{"several chunks", "5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n", "hello 0123456789", nil, ""},
	{"hex cases", "a\r\n0123456789\r\nB\r\n0123456789a\r\n0\r\n\r\n", "01234567890123456789a", nil, ""},
	{"leading zeros", "005\r\nhello\r\n000\r\n\r\n", "hello", nil, ""},
	{"sixteen digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"next message untouched", "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "hello", nil, "GET / HTTP/1.1\r\n"},
	{"extension", "5;foo=bar\r\nhello\r\n0;last\r\n\r\n", "hello", nil, ""},
	{"extensions", "5;a;b=c;d=\"e f\"\r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"quoted escape", "5;a=\"x\\\"y\\\\\"\r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"extension whitespace", "5 ; a = b ; c\t\r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"space after size", "5 \r\nhello\r\n0\r\n\r\n", "hello", nil, ""},
	{"empty extension", "5;\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension without name", "5;=x\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension without value", "5;a=\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension unterminated quote", "5;a=\"x\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension junk after quote", "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension two names", "5;a b\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"junk after size", "5 x\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"extension ctl", "5;a=\x01\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkExtension, ""},
	{"no size", "\r\nhello\r\n0\r\n\r\n", "", ErrBadChunkSize, ""},
	{"not hex", "x\r\n", "", ErrBadChunkSize, ""},
	{"negative", "-5\r\nhello\r\n", "", ErrBadChunkSize, ""},
	{"0x prefix", "0x5\r\nhello\r\n", "", ErrBadChunkSize, ""},
	{"leading space", " 5\r\nhello\r\n", "", ErrBadChunkSize, ""},
	{"overflow", "ffffffffffffffffff\r\n", "", ErrChunkTooLarge, ""},
	{"overflow 16 digits", "8000000000000000\r\n", "", ErrChunkTooLarge, ""},
	{"seventeen digits", "00000000000000005\r\nhello\r\n", "", ErrChunkTooLarge, ""},
	{"bare LF after size", "5\nhello\r\n0\r\n\r\n", "", ErrBareLF, ""},
	{"bare LF after extension", "5;a\nhello\r\n0\r\n\r\n", "", ErrBareLF, ""},
	{"bare CR after size", "5\rhello\r\n0\r\n\r\n", "", ErrBareCR, ""},
	{"bare LF after last chunk", "0\n\r\n", "", ErrBareLF, ""},
	{"data too long", "5\r\nhelloX\r\n0\r\n\r\n", "hello", ErrBadChunkEnd, ""},
	{"bare LF after data", "5\r\nhello\n0\r\n\r\n", "hello", ErrBadChunkEnd, ""},
	{"CR only after data", "5\r\nhello\r0\r\n\r\n", "hello", ErrBadChunkEnd, ""},
	{"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\ny:  1 \r\n\r\nNEXT", "hello", nil, "NEXT"},
	{"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", "", ErrBadTrailer, ""},
	{"trailer without colon", "0\r\nbad line\r\n\r\n", "", ErrBadTrailer, ""},
	{"trailer space before colon", "0\r\nX : a\r\n\r\n", "", ErrBadTrailer, ""},
	{"trailer NUL", "0\r\nX: \x00\r\n\r\n", "", ErrBadTrailer, ""},
	{"trailer bare LF", "0\r\nX: a\n\r\n", "", ErrBareLF, ""},
	{"trailer bare CR", "0\r\nX: a\rb\r\n\r\n", "", ErrBareCR, ""},
	{"end bare CR", "0\r\n\rX", "", ErrBareCR, ""},
	{"trailer too large", "0\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n", "", ErrTrailerTooLarge, ""},
	{"extensions too large", strings.Repeat("1;abcdefghi\r\nx\r\n", 10) + "0\r\n\r\n", "xxxxx", ErrChunkExtTooLarge, ""},
	{"extensions at limit", strings.Repeat("1;abcdefghi\r\nx\r\n", 5) + "0\r\n\r\n", "xxxxx", nil, ""},
}

func newTestDecoder() *ChunkedDecoder {
	return &ChunkedDecoder{MaxTrailerBytes: 64, MaxExtensionBytes: 50}
}

func TestChunkedDecoder(t *testing.T) {
	for _, c := range chunkCases {
		t.Run(c.name, func(t *testing.T) {
			d := newTestDecoder()
			payload, used, err := decodeChunked(d, []byte(c.in))
			if string(payload) != c.payload || err != c.err {
				t.Fatalf("decode(%q) = %q, %v; want %q, %v", c.in, payload, err, c.payload, c.err)
			}
			if err != nil {
				if d.Done() {
					t.Fatal("Done after an error")
				}
				if _, n, err2 := d.Decode([]byte(c.in)); err2 != err || n != 0 {
					t.Fatalf("error did not stick: %d, %v", n, err2)
				}
				return
			}
			if !d.Done() || c.in[used:] != c.tail {
				t.Fatalf("done=%v, left %q; want %q", d.Done(), c.in[used:], c.tail)
			}
			if p, n, err := d.Decode([]byte("5\r\nmore!\r\n")); p != nil || n != 0 || err != nil {
				t.Fatalf("Decode after Done: %q, %d, %v", p, n, err)
			}
		})
	}
}

// However the input is split, the payload, the bytes consumed and the
// outcome must be the same.
func TestChunkedDecoderSplit(t *testing.T) {
	for _, c := range chunkCases {
		src := []byte(c.in)
		wantP, wantN, wantErr := decodeChunked(newTestDecoder(), src)
		for i := 0; i <= len(src); i++ {
			for _, j := range []int{i, i + 1, i + 7} {
				p, n, err := decodeChunked(newTestDecoder(), src, i, j)
				if !bytes.Equal(p, wantP) || n != wantN || err != wantErr {
					t.Fatalf("%s split at %d,%d: %q %d %v; want %q %d %v", c.name, i, j, p, n, err, wantP, wantN, wantErr)
				}
			}
		}
		p, n, err := decodeChunked(newTestDecoder(), src, bytewiseCuts(len(src))...)
		if !bytes.Equal(p, wantP) || n != wantN || err != wantErr {
			t.Fatalf("%s byte by byte: %q %d %v", c.name, p, n, err)
		}
	}
}

func TestChunkedTrailers(t *testing.T) {
	d := newTestDecoder()
	in := []byte("0\r\nX-Sum: abc\r\ny:  1 \r\n\r\n")
	if _, _, err := decodeChunked(d, in, bytewiseCuts(len(in))...); err != nil {
		t.Fatal(err)
	}
	clear(in) // the decoder owns its copy
	tr := d.Trailers()
	if len(tr) != 2 || string(tr[0].Name) != "X-Sum" || string(tr[0].Value) != "abc" ||
		string(tr[1].Name) != "y" || string(tr[1].Value) != "1" {
		t.Fatalf("trailers %q", tr)
	}
	d.Reset()
	if d.Trailers() != nil || d.Done() {
		t.Fatal("Reset kept state")
	}
	if _, _, err := decodeChunked(d, []byte("0\r\n\r\n")); err != nil || len(d.Trailers()) != 0 {
		t.Fatalf("after Reset: %v %q", err, d.Trailers())
	}
}

// Payload comes back as a sub-slice of the input, one run per call, and an
// error met right after a run waits for the next call.
func TestChunkedDecodeInPlace(t *testing.T) {
	var d ChunkedDecoder
	src := []byte("5\r\nhello\r\n3\r\nabcX")
	p, n, err := d.Decode(src)
	if string(p) != "hello" || &p[0] != &src[3] || n != 13 || err != nil {
		t.Fatalf("first: %q %d %v", p, n, err)
	}
	p, n2, err := d.Decode(src[n:])
	if string(p) != "abc" || n2 != 3 || err != nil {
		t.Fatalf("second: %q %d %v", p, n2, err)
	}
	if p, n3, err := d.Decode(src[n+n2:]); p != nil || n3 != 0 || err != ErrBadChunkEnd {
		t.Fatalf("third: %q %d %v", p, n3, err)
	}
}

func TestChunkedExtensionBudgetIsPerBody(t *testing.T) {
	d := ChunkedDecoder{} // default budget: 1 KiB for the whole body
	var body []byte
	for i := 0; i < 200; i++ {
		body = append(body, "1;ext=value\r\nx\r\n"...)
	}
	body = AppendLastChunk(body)
	_, _, err := decodeChunked(&d, body)
	if err != ErrChunkExtTooLarge {
		t.Fatalf("200 chunks with 10 bytes of extensions each: %v", err)
	}
}

func TestAppendChunk(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{string(AppendChunkHeader(nil, 0x1a)), "1a\r\n"},
		{string(AppendChunkHeader(nil, 0)), "0\r\n"},
		{string(AppendChunkHeader(nil, 0xABCDEF)), "abcdef\r\n"},
		{string(AppendChunk([]byte("x"), []byte("hello"))), "x5\r\nhello\r\n"},
		{string(AppendChunk([]byte("x"), nil)), "x"},
		{string(AppendLastChunk([]byte("x"))), "x0\r\n\r\n"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestChunkedRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var want, body []byte
		for n := rng.IntN(10); n > 0; n-- {
			chunk := make([]byte, rng.IntN(300))
			for i := range chunk {
				chunk[i] = byte(rng.IntN(256))
			}
			want = append(want, chunk...)
			body = AppendChunk(body, chunk)
		}
		body = AppendLastChunk(body)
		cuts := []int{rng.IntN(len(body) + 1)}
		cuts = append(cuts, cuts[0]+rng.IntN(len(body)+1))
		var d ChunkedDecoder
		got, used, err := decodeChunked(&d, body, cuts...)
		if err != nil || !bytes.Equal(got, want) || used != len(body) || !d.Done() {
			t.Fatalf("round %d: %v, %d of %d bytes, equal=%v", round, err, used, len(body), bytes.Equal(got, want))
		}
	}
}

func ExampleChunkedDecoder() {
	src := []byte("4\r\nWiki\r\n6;lang=en\r\npedia \r\n0\r\nChecksum: 1\r\n\r\n")
	var d ChunkedDecoder
	for !d.Done() {
		p, n, err := d.Decode(src)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q ", p)
		src = src[n:]
	}
	fmt.Printf("%s: %s\n", d.Trailers()[0].Name, d.Trailers()[0].Value)
	// Output: "Wiki" "pedia " Checksum: 1
}
