package http1

import (
	"bytes"
	"encoding/binary"
	"math"
)

// parseField parses the field line that starts at head[ls] and ends with a
// CR (RFC 9112 §5), returning its name, its value without surrounding
// whitespace, and the index of that CR; the caller checks the LF after it.
// Whitespace between the name and the colon is an error unless
// lenientColon, which response parsing sets because RFC 9112 §5.1 has
// proxies strip it from responses rather than reject them.
//
// The value is validated and the end of the line found in the same pass,
// so each byte of a head is read once here after the scan for its end.
func parseField(head []byte, ls int, lenientColon bool) (name, value []byte, cr int, err error) {
	if isOWS(head[ls]) {
		return nil, nil, 0, lineErr(head, ls, ErrObsFold)
	}
	i := ls
	for i < len(head) && tokenChar[head[i]] {
		i++
	}
	name, colon := head[ls:i], i
	switch {
	case i == ls || i == len(head):
		return nil, nil, 0, lineErr(head, ls, ErrBadFieldName)
	case head[i] == ':':
	case isOWS(head[i]):
		for colon < len(head) && isOWS(head[colon]) {
			colon++
		}
		if colon == len(head) || head[colon] != ':' {
			return nil, nil, 0, lineErr(head, ls, ErrBadFieldName)
		}
		if !lenientColon {
			return nil, nil, 0, lineErr(head, ls, ErrSpaceBeforeColon)
		}
	default:
		return nil, nil, 0, lineErr(head, ls, ErrBadFieldName)
	}
	cr = valueEnd(head, colon+1)
	if cr == len(head) || head[cr] != '\r' {
		return nil, nil, 0, lineErr(head, ls, ErrBadFieldValue)
	}
	return name, trimOWS(head[colon+1 : cr]), cr, nil
}

// lineErr reports a bare CR in a malformed line as such, whatever else is
// wrong with it. Looking for it only on the error path keeps the search off
// the hot path.
func lineErr(head []byte, ls int, err error) error {
	line := head[ls:]
	if le := bytes.IndexByte(line, '\n'); le >= 0 {
		line = line[:le]
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1] // the line's own terminator
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareCR
	}
	return err
}

// Word-at-a-time constants for valueEnd.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// valueEnd returns the index of the first byte at or after i that cannot be
// part of a field value (a control other than HTAB, or DEL), or len(b).
// Values are most of a head's bytes, so it tests eight at a time: a word
// "has a byte below 0x20" or "has a 0x7f" is exact with the classic
// borrow tricks, and only a flagged word is looked at byte by byte (it may
// just hold an HTAB).
func valueEnd(b []byte, i int) int {
	for {
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			y := x ^ (ones * 0x7f)
			if ((x-ones*0x20)&^x|(y-ones)&^y)&highs != 0 {
				break
			}
			i += 8
		}
		stop := min(i+8, len(b))
		for ; i < stop; i++ {
			if !valueChar[b[i]] {
				return i
			}
		}
		if i == len(b) {
			return i
		}
	}
}

func validValue(v []byte) bool { return valueEnd(v, 0) == len(v) }

// Get returns the value of the first field called name (compared
// case-insensitively), or nil if there is none.
func (r *Request) Get(name string) []byte { return getField(r.Fields, name) }

// Get returns the value of the first field called name (compared
// case-insensitively), or nil if there is none.
func (r *Response) Get(name string) []byte { return getField(r.Fields, name) }

func getField(fields []Field, name string) []byte {
	for i := range fields {
		if EqualFold(fields[i].Name, name) {
			return fields[i].Value
		}
	}
	return nil
}

// reqHeadState collects what the request's fields say about the message as
// a whole, for the checks that can only be made once all are seen.
type reqHeadState struct {
	hosts int
	te    teList
}

// field applies one request field to req. Names are dispatched on length
// first: most fields match no case, at the cost of one switch.
func (h *reqHeadState) field(req *Request, name, value []byte) error {
	switch len(name) {
	case 4:
		if EqualFold(name, "host") {
			return h.host(req, value)
		}
	case 6:
		if EqualFold(name, "expect") {
			h.expect(req, value)
		}
	case 10:
		if EqualFold(name, "connection") {
			req.Close, req.KeepAlive, req.Upgrade = connectionTokens(value, req.Close, req.KeepAlive, req.Upgrade)
		}
	case 14:
		if EqualFold(name, "content-length") {
			n, err := mergeContentLength(req.ContentLength, value)
			req.ContentLength = n
			return err
		}
	case 17:
		if EqualFold(name, "transfer-encoding") {
			h.te.add(value)
		}
	}
	return nil
}

func (h *reqHeadState) host(req *Request, value []byte) error {
	h.hosts++
	if h.hosts > 1 {
		return ErrDuplicateHost
	}
	if !validHost(value, false) {
		return ErrBadHost
	}
	req.Host = value
	return nil
}

// expect records the expectations. RFC 9110 §10.1.1 has a server ignore
// 100-continue in an HTTP/1.0 request, since such a client cannot know it.
func (h *reqHeadState) expect(req *Request, value []byte) {
	for i := 0; i < len(value); {
		var e []byte
		e, i = listElem(value, i)
		switch {
		case len(e) == 0:
		case EqualFold(e, "100-continue"):
			req.Expect100 = req.Version == HTTP11
		default:
			req.ExpectOther = true
		}
	}
}

// finish makes the checks that need every field: Host presence and the
// framing rules of RFC 9112 §6.1 and §6.3.
func (h *reqHeadState) finish(req *Request) error {
	if req.Version == HTTP11 && h.hosts == 0 {
		return ErrMissingHost
	}
	if !h.te.seen {
		return nil
	}
	switch {
	case req.Version == HTTP10:
		return ErrEncodingInHTTP10
	case req.ContentLength >= 0:
		return ErrLengthAndEncoding
	case h.te.chunked > 1:
		return ErrChunkedTwice
	case !h.te.lastChunked:
		return ErrChunkedNotFinal
	case h.te.other > 0:
		return ErrUnknownEncoding
	}
	req.Chunked = true
	return nil
}

// teList accumulates the transfer codings of every Transfer-Encoding field,
// in order, as one list (RFC 9110 §5.3).
type teList struct {
	seen        bool
	lastChunked bool
	chunked     int // how many times chunked appears
	other       int // codings other than chunked (with parameters, malformed or unknown)
}

func (t *teList) add(value []byte) {
	t.seen = true
	for i := 0; i < len(value); {
		var e []byte
		e, i = listElem(value, i)
		switch {
		case len(e) == 0:
		case EqualFold(e, "chunked"):
			t.chunked++
			t.lastChunked = true
		default:
			t.other++
			t.lastChunked = false
		}
	}
}

// connectionTokens folds one Connection field's tokens into the flags so far.
func connectionTokens(value []byte, close, keepAlive, upgrade bool) (bool, bool, bool) {
	for i := 0; i < len(value); {
		var e []byte
		e, i = listElem(value, i)
		switch {
		case EqualFold(e, "close"):
			close = true
		case EqualFold(e, "keep-alive"):
			keepAlive = true
		case EqualFold(e, "upgrade"):
			upgrade = true
		}
	}
	return close, keepAlive, upgrade
}

// mergeContentLength parses a Content-Length value and merges it with the
// value of earlier Content-Length fields (prev, -1 if none). The value is
// 1*DIGIT, or a list of identical ones, which RFC 9110 §8.6 lets a recipient
// read as one; empty elements are refused because this is framing.
func mergeContentLength(prev int64, v []byte) (int64, error) {
	for {
		j := bytes.IndexByte(v, ',')
		e := v
		if j >= 0 {
			e = v[:j]
		}
		n, ok := parseDecimal(trimOWS(e))
		if !ok {
			return prev, ErrBadContentLength
		}
		if prev >= 0 && n != prev {
			return prev, ErrConflictingLength
		}
		prev = n
		if j < 0 {
			return prev, nil
		}
		v = v[j+1:]
	}
}

// parseDecimal parses 1*DIGIT into an int64, refusing overflow.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
