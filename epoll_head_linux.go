package holdfast

import "holdfast/internal/http1"

// Parked heads: a request head that has begun but not completed waits
// between reads in a parkedHead rather than in an exchange. A slow client
// (slowloris: a head sent a line every few seconds, never finished) then
// holds the bytes it sent and the parser's place in them, a few hundred
// bytes, instead of an exchange's buffers (about 14 KiB). A head that
// arrives in one read never parks.

// parkedHead is a started request head between reads. Owned by the loop.
type parkedHead struct {
	in     inbuf        // the head's bytes so far, in an array of about their size
	parser http1.Parser // where parsing stopped: it resumes, never rescans
}

// parkHead moves a connection's incomplete head out of its exchange, and
// returns the exchange to the pool.
func (l *loop) parkHead(c *loopConn) {
	l.own()
	ex := c.ex
	h := &parkedHead{in: ex.in.take(), parser: ex.parser}
	ex.parser.Reset()
	c.releaseExchange()
	for c.fd >= len(l.heads) {
		l.heads = append(l.heads, make([]*parkedHead, len(l.heads)+64)...)
	}
	l.heads[c.fd] = h
}

// unparkHead gives a connection whose head is parked an exchange again,
// holding the head where it was: the array the bytes are in moves, they
// are not copied, so a head sent a byte at a time costs linear time.
func (l *loop) unparkHead(c *loopConn) {
	if c.ex != nil || c.fd >= len(l.heads) || l.heads[c.fd] == nil {
		return
	}
	h := l.heads[c.fd]
	l.heads[c.fd] = nil
	c.attachExchange(l.wireOf(c))
	c.ex.in = h.in
	c.ex.parser = h.parser
}

// headParked reports whether the connection's started head is parked.
func (l *loop) headParked(c *loopConn) bool {
	return c.fd < len(l.heads) && l.heads[c.fd] != nil
}

// dropHead forgets the parked head of a connection the loop forgets.
func (l *loop) dropHead(fd int) {
	if fd < len(l.heads) {
		l.heads[fd] = nil
	}
}

// awaitingHead reports whether a connection the loop serves waits for the
// first byte of its next request: none is in flight, buffered or parked.
func (l *loop) awaitingHead(c *loopConn) bool {
	return !c.busy && !c.lingering && c.ex == nil && !l.headParked(c)
}
