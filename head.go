package holdfast

import "holdfast/internal/http1"

// Reading a request head, as both engines do it: parsing what the input
// buffer holds, and accounting for a wait that ended without a head.

// parseHead parses the request head at the front of the input buffer and
// returns its length, or 0 while it is incomplete: the parser resumes where
// it stopped once more bytes are appended. A complete head leaves the
// parser ready for the next one. ok is false when the parser refused the
// head: the error response is queued and the connection is to close.
func (c *conn) parseHead() (n int, ok bool) {
	ex := c.ex
	n, err := ex.parser.ParseRequest(ex.in.bytes(), &ex.head)
	if err != nil {
		c.rejectHead(err)
		return 0, false
	}
	if n > 0 {
		ex.parser.Reset()
	}
	return n, true
}

// headBufferLimit lets the buffer hold a little more than the head limit,
// so the parser, not the buffer, reports an oversized head (431).
func headBufferLimit(p *http1.Parser) int {
	limit := p.MaxHeadBytes
	if limit <= 0 {
		limit = http1.DefaultMaxHeadBytes
	}
	return limit + inbufSize
}

// headReadFailed records why a wait for a request head ended without one,
// and answers the client where it is owed an answer: 431 when the head
// outgrew the buffer, 408 when a started head did not complete in time.
// err is the read's error, diagnosed by the engine (see diagnose), or a
// timeout; idle says no byte of a head had arrived, and idleReason is then
// why a timeout closes the connection.
func (c *conn) headReadFailed(err error, idle bool, idleReason CloseReason) {
	switch {
	case err == errBufferFull:
		c.rejectHead(http1.ErrHeadTooLarge)
	case isTimeout(err) && idle && c.srv.closing.Load():
		c.setReason(CloseShutdown)
	case isTimeout(err) && idle:
		c.setReason(idleReason)
	case isTimeout(err):
		c.respondError(408, "request head not received in time", CloseHeaderTimeout)
	default:
		c.setReason(classify(err, false))
	}
}

// parkedHead is a request head that has begun but not completed, held
// between reads without an exchange: the bytes so far, in an array of
// about their size, and the parser's place in them. A slow client
// (slowloris: a head sent a line every few seconds, never finished) then
// costs the few hundred bytes it sent instead of an exchange's buffers
// (about 14 KiB). A head that arrives in one read never parks. Owned by
// whoever serves the connection.
type parkedHead struct {
	in     inbuf        // the head's bytes so far
	parser http1.Parser // where parsing stopped: it resumes, never rescans
}

// parkHead moves the connection's incomplete head out of its exchange,
// and returns the exchange to the pool.
func (c *conn) parkHead() *parkedHead {
	ex := c.ex
	h := &parkedHead{in: ex.in.take(), parser: ex.parser}
	ex.parser.Reset()
	c.releaseExchange()
	return h
}

// unparkHead gives the connection an exchange through w holding the
// parked head h where it was: the array the bytes are in moves, they are
// not copied, so a head sent a byte at a time costs linear time.
func (c *conn) unparkHead(h *parkedHead, w wire) {
	c.attachExchange(w)
	c.ex.in = h.in
	c.ex.parser = h.parser
}
