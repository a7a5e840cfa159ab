package http1

import (
	"bytes"
	"math"
)

// Parser parses one message head at a time, incrementally: the caller keeps
// appending received bytes to its buffer and calls again with the longer
// buffer, and the parser resumes its search for the end of the head where it
// stopped. The head is validated in one pass once it is complete.
//
// A Parser is used by one goroutine at a time (the one reading the
// connection); its zero value is ready to use.
type Parser struct {
	Limits

	phase     scanPhase
	pos       int   // next byte of buf to scan
	start     int   // first byte of the start line, after skipped empty lines
	lineEnd   int   // index of the start line's LF
	fieldLine int   // first byte of the field line being scanned
	fields    int   // field lines seen so far
	end       int   // head length (through the final LF) once phase is scanDone
	err       error // sticky: a failed head stays failed until Reset

	// Request heads only: the start line is checked as soon as it is
	// complete, and its bytes as they arrive, so that a client sending
	// garbage is answered at once instead of at the header timeout.
	request     bool        // parsing a request head (ParseRequest)
	lineChecked int         // bytes of the start line before this index hold no control byte
	line        requestLine // the start line, once checked

	// scanned counts the bytes examined while looking for the end of the
	// head; tests use it to show that feeding a head byte by byte is linear.
	scanned int
}

type scanPhase uint8

const (
	scanSkip   scanPhase = iota // skipping empty lines before the start line
	scanLine                    // in the start line
	scanFields                  // in the field lines
	scanDone                    // the head ended at p.end
)

// Reset prepares p for the next message, keeping its Limits.
func (p *Parser) Reset() {
	p.phase, p.pos, p.start, p.lineEnd, p.fieldLine = scanSkip, 0, 0, 0, 0
	p.fields, p.end, p.err, p.scanned = 0, 0, nil, 0
	p.lineChecked, p.line = 0, requestLine{}
}

// limits returns p.Limits with zero fields replaced by their defaults.
func (p *Parser) limits() (maxLine, maxHead, maxFields int) {
	maxLine, maxHead, maxFields = p.MaxRequestLine, p.MaxHeadBytes, p.MaxFields
	if maxLine <= 0 {
		maxLine = DefaultMaxRequestLine
	}
	if maxHead <= 0 {
		maxHead = DefaultMaxHeadBytes
	}
	if maxFields <= 0 {
		maxFields = DefaultMaxFields
	}
	// "No limit" written as math.MaxInt must not overflow the arithmetic in
	// limitErr; and a start line cannot be longer than the head anyway.
	maxHead = min(maxHead, math.MaxInt>>1)
	maxLine = min(maxLine, maxHead)
	return maxLine, maxHead, maxFields
}

// scan advances the search for the end of the head. It returns nil with
// p.phase == scanDone when the head is complete, nil otherwise when more
// input is needed, or one of ErrRequestLineTooLong, ErrHeadTooLarge,
// ErrTooManyFields, ErrBareLF, ErrBareCR.
//
// The result must not depend on how the input was split across calls, so
// every error is tied to the shortest prefix of the input that shows it, and
// the events are handled in the order of those prefixes: before the LF at
// index j is looked at, the limits are checked as if the buffer ended at j.
func (p *Parser) scan(buf []byte) error {
	if p.err != nil || p.phase == scanDone {
		return p.err
	}
	if len(buf) < p.pos { // the caller broke the same-prefix contract
		p.Reset()
	}
	maxLine, maxHead, maxFields := p.limits()
	if p.phase == scanSkip {
		if err := p.skipEmptyLines(buf, maxHead); err != nil || p.phase == scanSkip {
			return p.fail(err)
		}
	}
	for p.phase != scanDone {
		i := bytes.IndexByte(buf[p.pos:], '\n')
		if i < 0 {
			p.scanned += len(buf) - p.pos
			p.pos = len(buf)
			return p.fail(p.limitErr(buf, len(buf), maxLine, maxHead))
		}
		p.scanned += i + 1
		j := p.pos + i
		p.pos = j + 1
		if err := p.limitErr(buf, j, maxLine, maxHead); err != nil {
			return p.fail(err)
		}
		if err := p.lineFeed(buf, j, maxHead, maxFields); err != nil {
			return p.fail(err)
		}
	}
	return nil
}

func (p *Parser) fail(err error) error {
	p.err = err
	return err
}

// skipEmptyLines skips the CRLFs that may precede a start line (RFC 9112
// §2.2: a client may send one after a POST body). They count against
// MaxHeadBytes, so an endless stream of them is refused like any other.
func (p *Parser) skipEmptyLines(buf []byte, maxHead int) error {
	for p.pos < len(buf) {
		p.scanned++
		switch buf[p.pos] {
		case '\n':
			return firstErr(p.headLimit(p.pos, maxHead), ErrBareLF)
		case '\r':
			if p.pos+1 == len(buf) {
				return p.headLimit(len(buf), maxHead)
			}
			if buf[p.pos+1] != '\n' {
				return firstErr(p.headLimit(p.pos+1, maxHead), ErrBareCR)
			}
			p.pos += 2
		default:
			p.phase, p.start = scanLine, p.pos
			return nil
		}
	}
	return p.headLimit(len(buf), maxHead)
}

// lineFeed handles the LF at buf[j].
func (p *Parser) lineFeed(buf []byte, j, maxHead, maxFields int) error {
	if buf[j-1] != '\r' {
		return ErrBareLF
	}
	if p.phase == scanLine {
		p.phase, p.lineEnd, p.fieldLine = scanFields, j, j+1
		if p.request {
			return p.checkRequestLine(buf[p.start : j-1])
		}
		return nil
	}
	if j-1 == p.fieldLine { // an empty line: the end of the head
		p.phase, p.end = scanDone, j+1
		return p.headLimit(j+1, maxHead)
	}
	p.fields++
	if p.fields > maxFields {
		return ErrTooManyFields
	}
	p.fieldLine = j + 1
	return nil
}

// limitErr returns the size error shown by buf[:k], a prefix that does not
// hold the end of the head, choosing the error whose limit was crossed at
// the shorter prefix.
func (p *Parser) limitErr(buf []byte, k, maxLine, maxHead int) error {
	over414 := len(buf) + 1 // the prefix length at which the start line is too long
	if p.phase == scanLine {
		// The line is at least k-start bytes long, minus one if the last byte
		// is a CR that may be the first half of its CRLF.
		over414 = p.start + maxLine + 1
		if over414 <= k && buf[over414-1] == '\r' {
			over414++
		}
	}
	over431 := maxHead + 1
	overCtl := len(buf) + 1 // the prefix length that shows a control byte in a request line
	if p.request && p.phase == scanLine {
		if i := p.lineControl(buf, k); i >= 0 {
			overCtl = i + 1
		}
	}
	switch {
	case overCtl <= k && overCtl <= over414 && overCtl <= over431:
		return ErrRequestLineControl
	case over414 <= k && over414 <= over431:
		return ErrRequestLineTooLong
	case over431 <= k:
		return ErrHeadTooLarge
	}
	return nil
}

// lineControl returns the index of the first control byte (CR aside:
// it may start the line's CRLF) or DEL in buf[p.start:k], the start line
// received so far, or -1. No request line holds one, so a client that
// sends one is refused before its line ends; the bytes before
// p.lineChecked were looked at before.
func (p *Parser) lineControl(buf []byte, k int) int {
	for i := max(p.lineChecked, p.start); i < k; i++ {
		if c := buf[i]; (c < ' ' && c != '\r') || c == 0x7f {
			return i
		}
	}
	p.lineChecked = k
	return -1
}

// headLimit checks the head byte limit for a prefix of k bytes.
func (p *Parser) headLimit(k, maxHead int) error {
	if k > maxHead {
		return ErrHeadTooLarge
	}
	return nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
