package holdfast

// The loop's parked heads (see parkedHead): a started head waits between
// reads in l.heads, by descriptor, not in an exchange.

// parkHead parks a connection's incomplete head.
func (l *loop) parkHead(c *loopConn) {
	l.own()
	h := c.parkHead()
	for c.fd >= len(l.heads) {
		l.heads = append(l.heads, make([]*parkedHead, len(l.heads)+64)...)
	}
	l.heads[c.fd] = h
}

// unparkHead gives a connection whose head is parked an exchange again.
func (l *loop) unparkHead(c *loopConn) {
	if c.ex != nil || c.fd >= len(l.heads) || l.heads[c.fd] == nil {
		return
	}
	h := l.heads[c.fd]
	l.heads[c.fd] = nil
	c.conn.unparkHead(h, l.wireOf(c))
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
