package client

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptrace"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/readbuf"
	"holdfast/internal/sockopt"
)

// persistConn is one client connection. Outside the pool it is owned by the
// request using it: the RoundTrip goroutine until the response head is
// read, then whoever reads the response body.
type persistConn struct {
	h       *hostPool
	nc      net.Conn        // what requests go over: the socket, or TLS over it
	tcp     net.Conn        // the socket
	raw     syscall.RawConn // tcp's, nil when it is not a syscall.Conn: peek with a deadline
	created time.Time

	tlsState *tls.ConnectionState // the handshake's outcome (Response.TLS); nil over plain TCP

	// Guarded by h.mu.
	state        connState
	idleSince    time.Time
	expires      time.Time   // zero: never
	expireReason CloseReason // why it closes at expires
	idleTimer    *time.Timer
	timerAt      time.Time // when idleTimer fires; zero: not pending

	// Owned by the request using the connection.
	in          readbuf.Buffer // response bytes received and not consumed yet
	wbuf        []byte         // the request head (and small bodies) being written
	cbuf        []byte         // scratch for chunked request bodies, made on first use
	parser      http1.Parser
	head        http1.Response
	headLen     int
	chunk       http1.ChunkedDecoder
	requests    int           // requests sent on the connection
	hintMax     int           // requests the server still allows (Keep-Alive: max); -1: no hint
	hintTimeout time.Duration // the server's last Keep-Alive timeout; -1: no hint
	minRTT      time.Duration // shortest request-end to first-byte time seen; -1: none yet

	// Per exchange, owned like the above.
	ctx         context.Context
	trace       *httptrace.ClientTrace
	stopCancel  func() bool // stops the context hook; nil when the context cannot end
	reused      bool        // the connection served a request before this one
	wasIdle     bool        // taken from the pool
	idleFor     time.Duration
	gotByte     bool        // a byte of the response arrived
	bodyStarted bool        // the head left and body bytes are being written
	wroteAt     time.Time   // when the request was written; zero: not measured
	timeRTT     bool        // measure this exchange's round trip
	reuseFailed bool        // failed on a reused connection before any response byte
	keep        CloseReason // reasonNone, or why the connection closes after this exchange

	// ended counts ended exchanges, so that a late Body.Close cannot
	// interrupt the next exchange on the connection.
	endMu sync.Mutex
	ended uint64 // guarded by endMu; written by the owner

	canceled atomic.Bool // the context hook fired and closed nc
	closed   atomic.Bool // close ran: counted once
	abortFn  func()      // c.abort, made once

	// Peek results, written by peekFn (peek_linux.go).
	peekFn  func(fd uintptr)
	peekBuf [1]byte
	peekN   int
	peekErr error

	// Write-and-wait state, per exchange (rawio_linux.go).
	sendFn   func(fd uintptr) bool // c.sendStep, made once; nil: not a plain *net.TCPConn
	sendOff  int                   // bytes of wbuf written
	sendDone bool                  // all of wbuf written: reading
	recvN    int
	sendErr  syscall.Errno
	recvErr  syscall.Errno
	pending  error // the first read's error, returned by the next fill

	// The first response byte came with the write (flushAwait): its trace
	// hook waits until WroteRequest has fired (see wroteRequest).
	holdFirstByte bool // set by flushAwait for its call of firstByte
	heldFirstByte bool // the hook is owed

	headArmed bool // flushAwait set the response header timeout's deadline
}

// Buffer sizes: a response head from a typical server (200–800 bytes) and a
// request head fit with room to spare; small request bodies ride along in
// the same write.
const (
	readBufSize  = 4 << 10
	writeBufSize = 4 << 10
)

func newPersistConn(h *hostPool, nc, tcp net.Conn) *persistConn {
	c := &persistConn{
		h:           h,
		nc:          nc,
		tcp:         tcp,
		created:     time.Now(),
		in:          readbuf.Buffer{Buf: make([]byte, readBufSize)},
		wbuf:        make([]byte, 0, writeBufSize),
		hintMax:     -1,
		hintTimeout: -1,
		minRTT:      -1,
	}
	c.parser.MaxHeadBytes = h.t.cfg.maxHead
	c.parser.MaxRequestLine = min(h.t.cfg.maxHead, http1.DefaultMaxRequestLine)
	c.head.Reset()
	if sc, ok := tcp.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.peekFn = c.peekFD
		}
	}
	if _, ok := nc.(*net.TCPConn); ok && c.raw != nil {
		// Only a plain TCP connection: a wrapper from a custom DialContext
		// may count, shape or log what it reads and writes, and the system
		// calls of flushAwait would go around it.
		c.sendFn = c.sendStep
	}
	if tc, ok := nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		c.tlsState = &cs
	}
	c.abortFn = c.abort
	return c
}

// gotConn fires the GotConn hook.
func (c *persistConn) gotConn(trace *httptrace.ClientTrace) {
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: c.requests > 0, WasIdle: c.wasIdle, IdleTime: c.idleFor})
	}
}

// freshIdle is how recently a connection must have finished an exchange
// for a retryable request to skip the look at its socket (see usable). A
// variable only so that a test can move it.
var freshIdle = 5 * time.Millisecond

// usable runs the checks before a pooled connection is reused (take and
// release have checked its expiry as they handed it out): no bytes left in
// its buffer, then a non-blocking look at the socket, which must hold
// nothing: no FIN, no reset, no bytes nobody asked for.
//
// The look costs a system call, and under load it finds nothing: a
// connection that served a request a few milliseconds ago has not been
// closed by any server's idle timeout, which counts in seconds. What else
// could have closed it in that time (a restart, a reset from a balancer)
// is as likely to happen just after the look as just before, and for a
// request that may be sent again (retryable) the retry covers both. So a
// retryable request on a connection idle under freshIdle skips the look;
// a request that may not be retried always has it, since then the look is
// its only protection.
func (c *persistConn) usable(retryable bool) bool {
	if c.in.Len() > 0 {
		return false
	}
	if retryable && c.idleFor < freshIdle {
		return true
	}
	if c.raw == nil {
		return c.peekDeadline()
	}
	if c.peekAlive() {
		return true
	}
	// Over TLS, bytes on the socket may be a record the server may send
	// at any time: see tlsQuiet.
	return c.nc != c.tcp && c.peekN > 0 && c.tlsQuiet()
}

// peekDeadline is the portable liveness check: a read with a short deadline
// that must time out. Anything it reads is unsolicited, so the connection is
// discarded then anyway.
func (c *persistConn) peekDeadline() bool {
	c.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := c.nc.Read(c.in.Buf[:1])
	c.nc.SetReadDeadline(time.Time{})
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// abort is the context hook: it fails every read and write in progress or
// to come. The connection is closed for good; its exchange reports the
// context's error. It closes the socket: under TLS, closing the TLS
// connection would first wait to send close_notify.
func (c *persistConn) abort() {
	c.canceled.Store(true)
	c.tcp.Close()
}

// interrupt fails the reads of exchange gen, if it is still running.
func (c *persistConn) interrupt(gen uint64) {
	c.endMu.Lock()
	if c.ended == gen {
		c.tcp.Close()
	}
	c.endMu.Unlock()
}

// close closes the socket and counts the reason, once.
func (c *persistConn) close(reason CloseReason) {
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	reason = c.deadPeerReason(reason)
	c.nc.Close()
	st := &c.h.t.stats
	st.open.Add(-1)
	st.closed[reason].Add(1)
}

// retireReason decides, as an exchange ends cleanly, whether the
// connection may serve another request.
func (c *persistConn) retireReason(now time.Time) CloseReason {
	cfg := &c.h.t.cfg
	switch {
	case c.keep != reasonNone:
		return c.keep
	case c.in.Len() > 0: // bytes beyond the response: the framing is not what we think
		return CloseProtocolError
	case cfg.maxRequests > 0 && c.requests >= cfg.maxRequests:
		return CloseMaxRequests
	case c.hintMax == 0:
		return CloseKeepAliveHint
	case cfg.maxAge > 0 && now.Sub(c.created) >= cfg.maxAge:
		return CloseMaxAge
	}
	return reasonNone
}

// setExpiry computes when the idle connection must be retired: the
// Transport's IdleTimeout, the server's Keep-Alive timeout less the margin
// documented on IdleTimeout, or MaxAge, whichever comes first.
func (c *persistConn) setExpiry(now time.Time) {
	cfg := &c.h.t.cfg
	c.expires, c.expireReason = time.Time{}, reasonNone
	earlier := func(t time.Time, r CloseReason) {
		if c.expires.IsZero() || t.Before(c.expires) {
			c.expires, c.expireReason = t, r
		}
	}
	if cfg.idleTimeout > 0 {
		earlier(now.Add(cfg.idleTimeout), CloseIdleTimeout)
	}
	if c.hintTimeout >= 0 {
		earlier(now.Add(c.hintTimeout-hintMargin(c.hintTimeout, c.minRTT)), CloseKeepAliveHint)
	}
	if cfg.maxAge > 0 {
		earlier(c.created.Add(cfg.maxAge), CloseMaxAge)
	}
}

// hintMargin is how long before a server's advertised Keep-Alive timeout
// T a pooled connection is retired: max(T/10, 500 ms) plus twice the round
// trip (see Transport.IdleTimeout).
func hintMargin(t, rtt time.Duration) time.Duration {
	m := max(t/10, hintMinMargin)
	if rtt > 0 {
		m += 2 * rtt
	}
	return m
}

// armIdleTimer starts the timer that closes the idle connection at its
// expiry; h.mu is held. A timer already due at or before the expiry is
// left alone: when it fires, idleExpired sets it again for the rest. A
// busy connection, whose expiry moves on with every request, thus resets
// its timer once per IdleTimeout rather than once per request.
func (c *persistConn) armIdleTimer(now time.Time) {
	if c.expires.IsZero() {
		return
	}
	if !c.timerAt.IsZero() && !c.timerAt.After(c.expires) {
		return
	}
	d := c.expires.Sub(now)
	c.timerAt = c.expires
	if c.idleTimer == nil {
		c.idleTimer = time.AfterFunc(d, func() { c.h.idleExpired(c) })
		return
	}
	c.idleTimer.Reset(d)
}

// noteHints records what the response head says about the connection's
// future: whether it persists, and the server's Keep-Alive hints.
func (c *persistConn) noteHints() {
	h := &c.head
	if !http1.Persistent(h.Version, h.Close, h.KeepAlive) {
		c.setKeep(CloseServer)
	}
	if h.KeepAliveTimeout >= 0 {
		c.hintTimeout = time.Duration(h.KeepAliveTimeout) * time.Second
	}
	switch {
	case h.KeepAliveMax >= 0:
		c.hintMax = h.KeepAliveMax
	case c.hintMax > 0:
		c.hintMax--
	}
}

func (c *persistConn) setKeep(r CloseReason) {
	if c.keep == reasonNone {
		c.keep = r
	}
}

// fill reads more response bytes into the input buffer, growing it up to
// limit; the error the write-and-wait's read kept (see flushAwait) comes
// first.
func (c *persistConn) fill(limit int) error {
	if err := c.pending; err != nil {
		c.pending = nil
		return err
	}
	n, err := c.in.Fill(c.nc, limit)
	if n > 0 {
		c.firstByte()
	}
	return err
}

func (c *persistConn) firstByte() {
	if c.gotByte {
		return
	}
	c.gotByte = true
	if !c.wroteAt.IsZero() {
		if rtt := time.Since(c.wroteAt); c.minRTT < 0 || rtt < c.minRTT {
			c.minRTT = rtt
		}
	}
	if c.trace == nil || c.trace.GotFirstResponseByte == nil {
		return
	}
	if c.holdFirstByte {
		c.heldFirstByte = true
		return
	}
	c.trace.GotFirstResponseByte()
}

// write writes p to the socket.
func (c *persistConn) write(p []byte) error {
	for len(p) > 0 {
		n, err := c.nc.Write(p)
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// classify maps an error of an exchange to the reason it closes the
// connection (see sockopt.Classify for how a dead server is told apart).
func classify(err error, writing bool) CloseReason {
	if r := faultReasons[sockopt.Classify(err, writing)]; r != reasonNone {
		return r
	}
	switch {
	case errors.As(err, new(*http1.Error)):
		return CloseProtocolError
	case writing:
		return CloseWriteError
	}
	return CloseReadError
}

// deadPeerReason refines a close reason with what the socket, still open,
// knows about a dead server (see sockopt.TCPInfo.WhichTimeout). The
// Transport's reads and writes come from several places; every close
// comes through here.
//
//   - keepalive-timeout and user-timeout, which classify guesses from
//     whether the failed call was a write: the kernel reports ETIMEDOUT
//     for both, TCP_INFO tells which timer fired;
//   - stale, when the look before reuse found the kernel's verdict on a
//     dead peer rather than the server's own close: a timeout, or a reset
//     that answered one of our keepalive probes (a rebooted host). A reset
//     with no probe out is a server that reset on close: stale.
func (c *persistConn) deadPeerReason(reason CloseReason) CloseReason {
	switch reason {
	case CloseKeepAliveTimeout, CloseUserTimeout:
	case CloseStale:
		if c.peekErr == nil || !sockopt.SilentPeer(c.peekErr) && !errors.Is(c.peekErr, syscall.ECONNRESET) {
			return reason
		}
	default:
		return reason
	}
	ti, err := sockopt.InfoConn(c.nc)
	switch {
	case err != nil:
		return reason
	case reason == CloseStale && errors.Is(c.peekErr, syscall.ECONNRESET):
		if ti.Probes > 0 {
			return ClosePeerReset
		}
		return reason
	case reason == CloseStale:
		reason = CloseKeepAliveTimeout // nothing was in flight on a pooled connection
	}
	if r := faultReasons[ti.TimeoutFault()]; r != reasonNone {
		return r
	}
	return reason
}

// closedByPeer reports whether err says the server closed or reset the
// connection: on a reused connection before any response byte, the reuse
// race.
func closedByPeer(err error) bool {
	f := sockopt.Classify(err, false)
	return f == sockopt.FaultClosed || f == sockopt.FaultReset
}
