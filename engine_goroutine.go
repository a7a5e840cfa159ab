package holdfast

import (
	"context"
	"time"
)

// The goroutine engine: one goroutine per connection, blocking reads and
// writes on net.Conn, deadlines from the runtime's timers. It runs
// everywhere Go runs; the request cycle is shared with the other engines.

// serve drives one connection until it closes.
func (c *conn) serve() {
	defer c.finish()
	c.setup()
	for {
		headLen, ok := c.readHead()
		if !ok || !c.serveRequest(headLen) {
			return
		}
		if c.peerGone != nil {
			// The client closed its side while we answered: it got its
			// response and can send nothing more.
			c.setReason(classify(c.peerGone, false))
			c.responded = true
			return
		}
	}
}

// headWait tracks one wait for a request head.
type headWait struct {
	started     time.Time // when its first byte arrived
	deadlineSet bool      // the header timeout is armed
}

// readHead reads until a whole request head is buffered and parsed, and
// returns its length. On false the connection closes (c.reason says why).
func (c *conn) readHead() (int, bool) {
	c.parser.Reset()
	c.head.Reset()
	var hw headWait
	for {
		if c.in.len() > 0 {
			n, err := c.parser.ParseRequest(c.in.bytes(), &c.head)
			if err != nil {
				c.rejectHead(err)
				return 0, false
			}
			if n > 0 {
				return n, true
			}
		}
		if !c.fillHead(&hw) {
			return 0, false
		}
	}
}

// fillHead reads more of a request head. With nothing buffered this is the
// idle wait, bounded by the hold time; once a head has started, the header
// timeout bounds it.
func (c *conn) fillHead(hw *headWait) bool {
	if c.flush() != nil {
		return false
	}
	idle := c.in.len() == 0
	var idleReason CloseReason
	if idle {
		if c.nreq.Load() > 0 {
			c.setState(StateIdle)
		}
		c.in.shrink()
		var deadline time.Time
		deadline, idleReason = c.idleDeadline(time.Now())
		if !c.beginHeadWait(deadline) {
			c.setReason(CloseShutdown)
			return false
		}
	} else if !hw.deadlineSet {
		c.setState(StateReadingHead)
		hw.deadlineSet = true
		if hw.started.IsZero() {
			hw.started = time.Now() // bytes left over from the previous request
		}
		var deadline time.Time
		if c.pol.headerTimeout > 0 {
			deadline = hw.started.Add(c.pol.headerTimeout)
		}
		c.nc.SetReadDeadline(deadline)
	}
	n, err := c.in.readFrom(c.read, c.headBufferLimit())
	if idle {
		c.endHeadWait()
		hw.started = time.Now()
	}
	if n > 0 {
		return true // an error after data shows again on the next read
	}
	return c.headReadFailed(err, idle, idleReason)
}

// headBufferLimit lets the buffer hold a little more than the head limit,
// so the parser, not the buffer, reports an oversized head (431).
func (c *conn) headBufferLimit() int {
	limit := c.parser.MaxHeadBytes
	if limit <= 0 {
		limit = 64 << 10
	}
	return limit + inbufSize
}

func (c *conn) headReadFailed(err error, idle bool, idleReason CloseReason) bool {
	switch {
	case err == errBufferFull:
		c.respondError(431, "request header fields too large", CloseProtocolError)
	case isTimeout(err) && idle && c.srv.closing.Load():
		c.setReason(CloseShutdown)
	case isTimeout(err) && idle:
		c.setReason(idleReason)
	case isTimeout(err):
		c.respondError(408, "request head not received in time", CloseHeaderTimeout)
	default:
		c.setReason(classify(err, false))
	}
	return false
}

// endHeadWait ends the idle wait. If Shutdown woke the connection just as a
// request arrived, the deadline it set is cleared so the request is served.
func (c *conn) endHeadWait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waitingHead = false
	if c.srv.closing.Load() {
		c.nc.SetReadDeadline(time.Time{})
	}
}

// bgRead watches the socket while a handler runs, once the request body
// has been read, so that the request's context is cancelled when the
// client goes away (as net/http does). A byte it reads (the start of a
// pipelined request) is handed back to the input buffer.
type bgRead struct {
	active bool               // owned by whoever starts and stops it, in turn
	done   chan struct{}      // the reader's signal; reused
	cancel context.CancelFunc // the request's context
	buf    [1]byte
	n      int   // written by the reader before it signals done
	err    error // likewise
}

func (c *conn) startBackgroundRead(cancel context.CancelFunc) {
	if c.bg.done == nil {
		c.bg.done = make(chan struct{}, 1)
	}
	c.bg.active = true
	c.bg.cancel = cancel
	c.nc.SetReadDeadline(time.Time{})
	go c.backgroundRead()
}

func (c *conn) backgroundRead() {
	n, err := c.nc.Read(c.bg.buf[:])
	c.bg.n, c.bg.err = n, err
	if n == 0 && err != nil && !isTimeout(err) {
		c.bg.cancel()
	}
	c.bg.done <- struct{}{}
}

// stopBackgroundRead interrupts the watch and takes what it found.
func (c *conn) stopBackgroundRead() {
	if !c.bg.active {
		return
	}
	c.nc.SetReadDeadline(aLongTimeAgo)
	<-c.bg.done
	c.bg.active = false
	c.bg.cancel = nil
	if c.bg.n > 0 {
		c.bytesIn.Add(1)
		c.srv.stats.bytesIn.Add(1)
		c.in.ensure(inbufSize)
		c.in.space()[0] = c.bg.buf[0]
		c.in.commit(1)
		return
	}
	if err := c.bg.err; err != nil && !isTimeout(err) {
		c.peerGone = err
	}
}
