package holdfast

import (
	"io"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/sockopt"
	"holdfast/internal/wheel"
)

// loopConn is a connection of the epoll engine, and its wire. Between
// requests the loop serves it; while a request is served, a serving
// goroutine does (the loop's own, inline, or another one), and the loop
// only records readiness for it (signal).
type loopConn struct {
	conn
	l  *loop // read-only
	fd int   // read-only

	// Owned by the loop.
	timer     wheel.Timer // hold time, header or linger deadline
	busy      bool        // a serving goroutine has it
	lingering bool        // half-closed, reading until the client closes

	// Owned by whoever serves it: the loop between requests, the serving
	// goroutine during them.
	inlined  bool // the serving goroutine is the loop's own (serveInline)
	outWatch bool // EPOLLOUT is registered

	lingered uint32 // owned by the loop: bytes discarded while lingering

	// Shared by the loop and the serving goroutine: atomic.
	events atomic.Uint32 // readiness seen while busy; In also means "may have unread data"
	flags  atomic.Uint32 // waiting | watching (one word: the record stays at 144 bytes)
}

// Bits of loopConn.flags.
const (
	waiting  = 1 << iota // the serving goroutine waits on ex.ready
	watching             // the peer's going away cancels the request
)

func (c *loopConn) flag(f uint32) bool { return c.flags.Load()&f != 0 }

// timerConn finds the connection a wheel timer belongs to.
func timerConn(t *wheel.Timer) *loopConn {
	return (*loopConn)(unsafe.Add(unsafe.Pointer(t), -int(unsafe.Offsetof(loopConn{}.timer))))
}

// Readiness that wakes a reader and a writer.
const (
	readReady  = epoll.In | epoll.RDHup | epoll.Hup | epoll.Err
	writeReady = epoll.Out | epoll.Hup | epoll.Err
)

// accept takes the waiting connections of a listening descriptor. At the
// connection cap it admits a connection only if an idle one can be shed
// for it; otherwise new connections wait in the backlog.
func (l *loop) accept(lfd int, now int64) {
	for i := 0; i < 64; i++ { // a bounded burst, so other work is not starved
		if l.srv.full() && !l.eng.anyIdle() {
			l.srv.warnAtCap()
			l.pauseListener(lfd, now+int64(capPause))
			return
		}
		fd, remote, err := accept4(lfd, &l.addrBuf)
		switch err {
		case nil:
			l.newConn(fd, remote, now, l.listenTLS[lfd])
			if l.srv.overCap() {
				l.shedForNew(now)
			}
			continue
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EAGAIN:
			l.queued = false // the queue was empty: later ones inherit
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			if l.outOfFiles(lfd, err, now) {
				continue
			}
		}
		// Other errors mean the listener was closed: the kernel has
		// already removed it from the epoll set.
		return
	}
}

// acceptPause is how long a loop out of descriptors stops accepting.
const acceptPause = 100 * time.Millisecond

// newConn registers an accepted connection; st is its listener's TLS, nil
// for plain HTTP.
func (l *loop) newConn(fd int, remote string, now int64, st *serverTLS) {
	c := &loopConn{l: l, fd: fd}
	c.init(l.srv, remote)
	l.tally.accepted++
	if err := l.setSockOpts(fd); err != nil {
		l.srv.logWarn("setting socket options failed", "remote", c.remote, "err", err)
	}
	// Writability is watched only once a write has to wait (watchOut):
	// most connections never fill their send buffer, and each one
	// registered for it costs an event at once (measured: 2 % of the CPU
	// per connection under Connection: close).
	if err := l.poll.Add(fd, readReady|epoll.Edge, tagConn); err != nil {
		l.srv.logError("watching a connection failed", "remote", c.remote, "err", err)
		unix.Close(fd)
		c.setReason(CloseReadError)
		l.forget(c, now)
		return
	}
	l.register(c)
	switch {
	case c.refused:
		l.refuse(c, st, now)
	case st != nil && (l.stopping || l.srv.closing.Load()):
		l.closeConn(c, CloseShutdown, now)
	case st != nil:
		l.startHandshake(c, st) // bounded by the handshake timeout, not the hold time
	case l.stopping || l.srv.closing.Load():
		l.shutIdle(c, now) // accepted as the server closes: its request is still answered
	default:
		l.armIdle(c, now)
	}
}

// refuse answers a connection over Policy.MaxConnsPerIP with 429 and
// closes it, lingering so that the request the client may have sent does
// not turn the close into a reset; over TLS, which cannot answer before
// its handshake, it closes at once.
func (l *loop) refuse(c *loopConn, st *serverTLS, now int64) {
	if st == nil {
		c.attachExchange(c)
		c.respondError(429, "too many connections from this address", CloseIPLimit)
	}
	l.closeConn(c, CloseIPLimit, now)
}

// setSockOpts gives an accepted socket what it did not inherit from the
// listener: everything, for a connection that was queued before the
// listener was configured; the user timeout, when a listener refused it;
// nothing otherwise.
func (l *loop) setSockOpts(fd int) error {
	o := l.srv.pol().sock
	if !l.queued {
		if l.userTimeoutPerConn {
			return sockopt.ApplyUserTimeoutFD(fd, o.UserTimeout)
		}
		return nil
	}
	if err := sockopt.ApplyFD(fd, o); err != nil {
		return err
	}
	return sockopt.SetNoDelayFD(fd)
}

// setDeadline arms the connection's timer for at (monotonic ns), or
// disarms it for 0.
func (l *loop) setDeadline(c *loopConn, at int64) {
	l.own()
	if at != 0 {
		l.wheel.Set(&c.timer, at)
	} else {
		l.wheel.Stop(&c.timer)
	}
}

// armIdle starts the hold time of a connection waiting for a request.
func (l *loop) armIdle(c *loopConn, now int64) {
	d, _ := c.idleDeadline(now)
	l.setDeadline(c, d)
}

// readingHead marks a connection whose request head has started, and
// starts the header timeout.
func (l *loop) readingHead(c *loopConn, now int64) {
	c.setState(StateReadingHead)
	var at int64
	if d := l.srv.pol().headerTimeout; d > 0 {
		at = now + int64(d)
	}
	l.setDeadline(c, at)
}

// readable reads what arrived on a connection the loop owns, until a
// request head is complete or the socket is drained (edge-triggered), or
// until the end of input when ev, the readiness that brought it here, says
// the peer hung up.
func (l *loop) readable(c *loopConn, ev uint32, now int64) {
	l.own()
	l.unparkHead(c)
	for {
		buf := l.buf
		if c.ex != nil { // a head has started: its bytes are in the exchange
			if !c.ex.in.ensure(headBufferLimit(&c.ex.parser)) {
				l.headFailed(c, errBufferFull, now)
				return
			}
			buf = c.ex.in.space()
		}
		n, err := l.read(c, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if c.ex != nil && c.getState() == StateReadingHead {
				l.parkHead(c)
			}
			return
		case err != nil:
			l.headFailed(c, err, now)
			return
		case n == 0:
			l.headFailed(c, io.EOF, now)
			return
		}
		c.countIn(n)
		if !l.gotHeadBytes(c, buf, n, ev, now) {
			return
		}
	}
}

// gotHeadBytes adds n bytes read into buf to the connection's head and
// dispatches the request once the head is complete. It reports whether to
// read on.
func (l *loop) gotHeadBytes(c *loopConn, buf []byte, n int, ev uint32, now int64) bool {
	if c.ex == nil {
		l.idleEnded(c, now)
		c.attachExchange(l.wireOf(c))
		c.ex.in.append(buf[:n])
	} else {
		c.ex.in.commit(n)
	}
	headLen, ok := c.parseHead()
	switch {
	case !ok:
		l.closeConn(c, CloseProtocolError, now)
		return false
	case headLen > 0:
		// The serving goroutine and takeBack must know what this edge
		// said: the peer's close, or that the socket may hold more.
		ev &= epoll.RDHup | epoll.Hup | epoll.Err
		if n == len(buf) || l.tlsPending(c) {
			ev |= epoll.In
		}
		c.events.Store(ev)
		l.dispatch(c, headLen)
		return false
	}
	if c.getState() != StateReadingHead {
		l.readingHead(c, now)
	}
	// Read on while the socket may hold more, and when this edge said the
	// peer hung up: no edge will say it again, and the next read sees the
	// end of input (or the error) and closes.
	if n == len(buf) || ev&(epoll.RDHup|epoll.Hup|epoll.Err) != 0 {
		return true
	}
	l.parkHead(c)
	return false
}

// idleEnded counts, when the first bytes of a head arrive at now on a
// kept connection, how long it sat idle.
func (l *loop) idleEnded(c *loopConn, now int64) {
	if c.nreq.Load() > 0 {
		idle := uint64(max(now-c.idleFrom.Load(), 0))
		l.tally.idle.observe(secondsBucket(idle), idle)
	}
}

// headFailed closes a connection whose wait for a request head ended
// without one: err is the read's error, or a timeout.
func (l *loop) headFailed(c *loopConn, err error, now int64) {
	l.unparkHead(c)
	_, idleReason := c.idleDeadline(now)
	c.headReadFailed(err, c.ex == nil, idleReason)
	l.closeConn(c, c.reason, now)
}

// epollInline makes loops run handlers on their own goroutine (the fast
// path); off, every request gets a goroutine of its own. Benchmarks compare
// both.
var epollInline = true

// dispatch serves a connection whose head is complete.
func (l *loop) dispatch(c *loopConn, headLen int) {
	l.setDeadline(c, 0)
	c.busy = true
	if epollInline {
		l.serveInline(c, headLen)
		return
	}
	go func() {
		kind := c.serveBatch(headLen)
		c.l.post(loopMsg{kind: kind, c: c})
	}()
}

// serveInline serves the connection on the loop's goroutine. If the
// handler blocks — on the socket (loopConn.wait detaches) or on anything else
// (the engine's monitor sees the run last) — another goroutine takes the
// loop over; this one then finishes the request, hands the connection back
// like any serving goroutine and returns, up to runLoops, where it waits
// as a spare for the next takeover.
func (l *loop) serveInline(c *loopConn, headLen int) {
	turn := l.turn.Load()
	seq := l.inlineSeq.Add(1)
	c.ex.inlineSeq = seq
	l.eng.kickMonitor()
	c.inlined = true
	kind := c.serveBatch(headLen)
	c.inlined = false
	if !l.inlineSeq.CompareAndSwap(seq, seq+1) {
		// The loop was taken over: this goroutine returns to run, which
		// sees the loop's turn moved on and gives the goroutine back to
		// the engine's spares (runLoops), touching nothing of the loop.
		c.offloadDone()
		l.post(loopMsg{kind: kind, c: c})
		l.awaitTurn(turn)
		return
	}
	l.apply(c, kind, l.mono(), true)
}

// awaitTurn returns once the loop's turn has moved on from turn, in a
// goroutine whose inline run another ended: the monitor ends the run (its
// compare-and-swap) a moment before it takes the loop over and moves the
// turn on, and until then the goroutine returning to run would take
// itself for the loop's still.
func (l *loop) awaitTurn(turn uint64) {
	for l.turn.Load() == turn {
		runtime.Gosched()
	}
}

// detach is called by a handler running inline (run seq) that must wait: a
// new goroutine takes the loop over, unless the monitor did already.
func (l *loop) detach(seq uint64) {
	if l.inlineSeq.CompareAndSwap(seq, seq+1) {
		l.takeOver()
	}
}

// takeOver has another goroutine run the loop, whose inline run was just
// ended (inlineSeq moved on): the goroutine that ran it is no longer the
// loop's, which the new turn tells it as it returns to run.
func (l *loop) takeOver() {
	l.disown()
	l.turn.Add(1)
	l.eng.resume(l)
}

// apply takes back a connection whose requests were served. inline says
// the loop's own goroutine served them: then readiness that arrived
// meanwhile is handled after the next wait, so that a client that keeps
// pipelining cannot starve the others.
func (l *loop) apply(c *loopConn, kind msgKind, now int64, inline bool) {
	switch kind {
	case msgIdle:
		l.takeBack(c, now, inline)
	case msgClose:
		c.busy = false
		l.closeConn(c, c.reason, now)
	case msgForget:
		l.unregister(c)
		unix.Close(c.fd) // the handler has its duplicate
		l.forget(c, now)
	}
}

// takeBack makes a connection the loop's again after its goroutine
// answered: it waits for its next request, or reads one already here.
func (l *loop) takeBack(c *loopConn, now int64, inline bool) {
	l.own()
	c.busy = false
	ev := c.events.Swap(0)
	if l.srv.closing.Load() && c.ex.in.len() == 0 && ev&readReady == 0 {
		if !fdHasInput(c.fd) {
			l.closeConn(c, CloseShutdown, now)
			return
		}
		ev |= epoll.In // a request raced the close: answer it (Connection: close) rather than reset it
	}
	if c.ex.in.len() > 0 { // part of the next head
		l.readingHead(c, now)
	} else {
		c.releaseExchange()
		c.setState(StateIdle)
		l.armIdle(c, now)
		l.pushIdle(c)
	}
	if s := l.session(c); s != nil {
		l.sessionIdle(s, now)
		if s.pending() {
			ev |= epoll.In // decrypted, or opened, past the request just served
		}
	}
	switch {
	case ev&readReady == 0:
	case inline:
		l.later = append(l.later, epoll.Event{Events: ev, Fd: int32(c.fd)})
	default:
		l.readable(c, ev, now)
	}
}

// closeConn closes a connection the loop owns: it sends what is buffered,
// then either lingers (see conn.lingerNeeded) or closes at once.
func (l *loop) closeConn(c *loopConn, reason CloseReason, now int64) {
	l.own()
	l.unparkHead(c)
	c.setReason(reason)
	c.setState(StateClosing)
	if s := l.session(c); s != nil {
		s.closeNotify()
	} else if c.ex != nil && len(c.ex.out) > 0 {
		n, _ := unix.Write(c.fd, c.ex.out) // best effort: small error responses fit
		c.countOut(n)
		c.ex.out = c.ex.out[:0]
	}
	if c.lingerNeeded() && unix.Shutdown(c.fd, unix.SHUT_WR) == nil {
		c.releaseExchange()
		c.lingering = true
		l.setDeadline(c, now+int64(lingerTime))
		l.lingerRead(c, now)
		return
	}
	l.destroy(c)
}

// lingerRead discards what a half-closed connection's client still sends,
// until it closes.
func (l *loop) lingerRead(c *loopConn, now int64) {
	l.own()
	for {
		n, err := readFD(c.fd, l.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return
		case n <= 0:
			l.destroy(c)
			return
		}
		if c.lingered += uint32(n); c.lingered > lingerBytes {
			l.destroy(c)
			return
		}
	}
}

// destroy closes the socket and forgets the connection.
func (l *loop) destroy(c *loopConn) {
	if s := l.session(c); s != nil {
		s.release()
	}
	l.unregister(c)
	closeFD(c.fd)
	c.releaseExchange()
	l.forget(c, monotime())
}

// forget accounts for a connection that left the loop, closed or
// hijacked.
func (l *loop) forget(c *loopConn, now int64) {
	l.own()
	c.account(&l.tally, now)
	c.gone(now)
}
