package http1

import (
	"fmt"
	"strings"
)

// reqString renders everything ParseRequest fills in, so that two parses
// can be compared as strings.
func reqString(r *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q form=%d %v host=%q cl=%d chunked=%v close=%v ka=%v up=%v e100=%v eother=%v",
		r.Method, r.Target, r.Form, r.Version, r.Host, r.ContentLength, r.Chunked,
		r.Close, r.KeepAlive, r.Upgrade, r.Expect100, r.ExpectOther)
	for _, f := range r.Fields {
		fmt.Fprintf(&b, " [%q: %q]", f.Name, f.Value)
	}
	return b.String()
}

func respString(r *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %d %q cl=%d chunked=%v other=%v close=%v ka=%v kat=%d kam=%d",
		r.Version, r.Status, r.Reason, r.ContentLength, r.Chunked, r.OtherEncoding,
		r.Close, r.KeepAlive, r.KeepAliveTimeout, r.KeepAliveMax)
	for _, f := range r.Fields {
		fmt.Fprintf(&b, " [%q: %q]", f.Name, f.Value)
	}
	return b.String()
}

// parseOutcome is the observable result of parsing one head.
type parseOutcome struct {
	n    int
	err  error
	head string // reqString or respString when the head was accepted
}

// feedRequest parses buf with a fresh parser, first handing it the prefixes
// buf[:cut] for each cut (ascending), then all of buf, as a connection
// receiving the bytes in pieces would; it stops at the first call that does
// not ask for more.
func feedRequest(lim Limits, buf []byte, cuts ...int) parseOutcome {
	p := Parser{Limits: lim}
	var req Request
	for _, c := range append(cuts, len(buf)) {
		n, err := p.ParseRequest(buf[:c], &req)
		if n != 0 || err != nil {
			return requestOutcome(n, err, &req)
		}
	}
	return parseOutcome{}
}

func requestOutcome(n int, err error, req *Request) parseOutcome {
	o := parseOutcome{n: n, err: err}
	if err == nil && n > 0 {
		o.head = reqString(req)
	}
	return o
}

func feedResponse(lim Limits, buf []byte, cuts ...int) parseOutcome {
	p := Parser{Limits: lim}
	var resp Response
	for _, c := range append(cuts, len(buf)) {
		n, err := p.ParseResponse(buf[:c], &resp)
		if n != 0 || err != nil {
			o := parseOutcome{n: n, err: err}
			if err == nil {
				o.head = respString(&resp)
			}
			return o
		}
	}
	return parseOutcome{}
}

// feedBytewise hands buf over one more byte at a time.
func bytewiseCuts(n int) []int {
	cuts := make([]int, n)
	for i := range cuts {
		cuts[i] = i
	}
	return cuts
}

// decodeChunked runs a ChunkedDecoder over src handed over in pieces ending
// at each cut, as a reader with a growing, compacted buffer would. It
// returns the payload, how many bytes of src the body took, and the error.
func decodeChunked(d *ChunkedDecoder, src []byte, cuts ...int) (payload []byte, used int, err error) {
	var pending []byte // received, not yet consumed
	prev := 0
	for _, c := range append(cuts, len(src)) {
		c = min(c, len(src))
		if c < prev {
			continue
		}
		pending = append(pending, src[prev:c]...)
		prev = c
		for !d.Done() {
			p, n, err := d.Decode(pending)
			payload = append(payload, p...)
			pending = pending[n:]
			used += n
			if err != nil {
				return payload, used, err
			}
			if n == 0 {
				break
			}
		}
	}
	return payload, used, nil
}
