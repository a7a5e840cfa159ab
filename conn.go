package holdfast

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/sockopt"
)

// conn is one server connection's record: its identity, its place in the
// state machine and its counters. It is all that an idle connection costs
// on the epoll engine; what a request needs while it is served lives in an
// exchange, attached for the request's time. The request cycle (cycle.go,
// body.go, response.go) works on it; an engine drives it through its wire.
type conn struct {
	srv     *Server
	id      uint64
	remote  string
	created int64 // monotonic ns (since epoch) at accept

	// Read by Connections and Shutdown from other goroutines. (The two
	// 32-bit counters sit together so that the record packs tightly.)
	idleFrom atomic.Int64 // monotonic ns when the last request ended
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	state    atomic.Uint32 // ConnState
	nreq     atomic.Uint32

	// Owned by the goroutine serving the connection: in the goroutine
	// engine its own, in the epoll engine its loop or the handler's
	// goroutine while a request is served.
	ex        *exchange // nil while idle (epoll engine)
	reason    CloseReason
	closeSoon CloseReason // the reason to close after the next response: shed or shut down while a request raced the close
	hijacked  bool
	responded bool // the connection closes right after a response
	refused   bool // read-only after init: over Policy.MaxConnsPerIP, answered 429 at once
	ipCounted bool // read-only after init: in the server's per-address counts, released as it goes (SetPolicy may change the cap meanwhile)
}

// epoch is the origin of the monotonic times kept in int64 fields.
var epoch = time.Now()

func monotime() int64 { return int64(time.Since(epoch)) }

// now reads the clock once, wall and monotonic.
func now() (time.Time, int64) {
	t := time.Now()
	return t, int64(t.Sub(epoch))
}

func (c *conn) init(s *Server, remote string) {
	c.srv = s
	c.id = s.nextID.Add(1)
	c.remote = remote
	c.created = monotime()
	c.idleFrom.Store(c.created)
	s.live.Add(1)
	if limit := s.pol().maxConnsPerIP; limit > 0 {
		c.refused = !s.ips.admit(remote, limit)
		c.ipCounted = true
	}
}

// The connection is the parent context of its requests: it carries the
// connection ID and local address, and is never cancelled itself (each
// request's own context is), so that it costs no allocation.
func (c *conn) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *conn) Done() <-chan struct{}       { return nil }
func (c *conn) Err() error                  { return nil }
func (c *conn) Value(key any) any {
	switch key {
	case connIDKey{}:
		return c.id
	case connSelfKey{}:
		return c // for the package's tests
	}
	return nil
}

// badTransitions counts state moves that the state machine does not allow;
// tests assert it stays zero.
var badTransitions atomic.Uint64

func (c *conn) setState(to ConnState) {
	from := ConnState(c.state.Swap(uint32(to)))
	if from != to && allowedNext[from]&(1<<to) == 0 {
		badTransitions.Add(1)
	}
}

func (c *conn) getState() ConnState { return ConnState(c.state.Load()) }

func (c *conn) info(now int64) ConnInfo {
	st := c.getState()
	ci := ConnInfo{
		ID:       c.id,
		Remote:   c.remote,
		State:    st,
		Age:      time.Duration(now - c.created),
		Requests: uint64(c.nreq.Load()),
		BytesIn:  c.bytesIn.Load(),
		BytesOut: c.bytesOut.Load(),
	}
	if st == StateIdle || st == StateNew {
		ci.Idle = time.Duration(now - c.idleFrom.Load())
	}
	return ci
}

// idleDeadline is when the wait for the next request ends (monotonic ns,
// 0 for never), and the reason the connection closes then: the hold time,
// or the age cap if it comes first.
func (c *conn) idleDeadline(now int64) (int64, CloseReason) {
	pol := c.srv.pol()
	var d int64
	reason := CloseIdleTimeout
	if hold := pol.holdTime(c.srv.live.Load()); hold > 0 {
		d = now + int64(hold)
	}
	if pol.maxAge > 0 {
		if end := c.created + int64(pol.maxAge); d == 0 || end < d {
			d, reason = end, CloseMaxAge
		}
	}
	return d, reason
}

// firstRequestGrace is how long after it was accepted a connection that
// has not sent its first request is still awaited when the server shuts
// down: its client connected to send one, and would not send it again on
// a new connection if this one closed first (a client retries only on a
// connection it had used).
const firstRequestGrace = time.Second

// firstRequestDue is, for a connection waiting for a request as the
// server shuts down, until when (monotonic ns) to wait for its first
// one — the grace, or its hold time if that ends sooner — and 0 to close
// it now.
func (c *conn) firstRequestDue(now int64) int64 {
	if c.nreq.Load() > 0 {
		return 0
	}
	due := c.created + int64(firstRequestGrace)
	if hold, _ := c.idleDeadline(c.created); hold != 0 && hold < due {
		due = hold
	}
	if due <= now {
		return 0
	}
	return due
}

// closeAfter decides, as a response head is written, whether the
// connection closes after it (RFC 9112 §9.3 and the Policy); reasonNone
// keeps it.
func (c *conn) closeAfter(h *http1.Request, handlerClose bool, now int64) CloseReason {
	pol := c.srv.pol()
	switch {
	case !pol.keepAlive:
		return CloseKeepAliveOff
	case !http1.Persistent(h.Version, h.Close, h.KeepAlive):
		return CloseClient
	case handlerClose:
		return CloseHandler
	case c.ex.peerGone != nil:
		return CloseClient
	case c.srv.closing.Load():
		return CloseShutdown
	case c.closeSoon != reasonNone:
		return c.closeSoon
	case pol.maxRequests > 0 && c.nreq.Load() >= uint32(pol.maxRequests):
		return CloseMaxRequests
	case pol.maxAge > 0 && now-c.created >= int64(pol.maxAge):
		return CloseMaxAge
	}
	return reasonNone
}

// keepAliveHint returns the timeout and max of a Keep-Alive field for a
// response that keeps the connection: the real remaining hold time in whole
// seconds, rounded down so it is never above the truth, and the requests
// left (-1: no cap).
func (c *conn) keepAliveHint(now int64) (timeout, remaining int) {
	d, _ := c.idleDeadline(now)
	timeout = -1
	if d != 0 {
		timeout = int(time.Duration(d-now) / time.Second)
	}
	remaining = -1
	if max := c.srv.pol().maxRequests; max > 0 {
		remaining = max - int(c.nreq.Load())
	}
	return timeout, remaining
}

// classify maps a socket error to the reason it closes the connection
// (see sockopt.Classify for how a dead peer is told apart).
func classify(err error, writing bool) CloseReason {
	if err == nil {
		return reasonNone
	}
	if r := faultReasons[sockopt.Classify(err, writing)]; r != reasonNone {
		return r
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		if writing {
			return CloseSendTimeout
		}
		return CloseBodyTimeout
	case errors.Is(err, net.ErrClosed):
		return CloseShutdown
	}
	if writing {
		return CloseWriteError
	}
	return CloseReadError
}

// faultReasons names the socket's verdicts on the peer as close reasons.
var faultReasons = [...]CloseReason{
	sockopt.FaultNone:        reasonNone,
	sockopt.FaultClosed:      CloseClient,
	sockopt.FaultReset:       ClosePeerReset,
	sockopt.FaultKeepAlive:   CloseKeepAliveTimeout,
	sockopt.FaultUserTimeout: CloseUserTimeout,
}

// setReason records why the connection closes; the first reason wins.
func (c *conn) setReason(r CloseReason) {
	if c.reason == reasonNone {
		c.reason = r
	}
}

// countIn and countOut keep the byte counters: the connection's own,
// which its shard adds up (see tally.go).
func (c *conn) countIn(n int) {
	if n > 0 {
		c.bytesIn.Add(uint64(n))
	}
}

func (c *conn) countOut(n int) {
	if n > 0 {
		c.bytesOut.Add(uint64(n))
	}
}

// flush writes out the buffered output, blocking until it is written.
func (c *conn) flush() error {
	ex := c.ex
	if len(ex.out) == 0 {
		return nil
	}
	n, err := ex.wire.write(ex.out)
	c.countOut(n)
	ex.out = ex.out[:0]
	if err != nil {
		c.setReason(classify(err, true))
		ex.peerGone = err
	}
	return err
}

// writeThrough writes the buffered output and then p, in one system call
// where the platform allows (writev), skipping a copy of large bodies.
func (c *conn) writeThrough(p []byte) error {
	ex := c.ex
	n, err := ex.wire.writev(ex.out, p)
	c.countOut(int(n))
	ex.out = ex.out[:0]
	if err != nil {
		c.setReason(classify(err, true))
		ex.peerGone = err
	}
	return err
}

// gone ends the server's part in a connection whose socket the engine
// has closed (or handed to a handler that hijacked it), once its shard has
// accounted for it: the connection log's record, and Shutdown's count.
func (c *conn) gone(now int64) {
	c.logClose(now)
	if c.ipCounted {
		c.srv.ips.release(c.remote)
	}
	c.srv.connGone()
}

// lingerNeeded reports whether closing now could destroy the response just
// sent: closing a socket with unread input makes the kernel send RST, and a
// client that receives RST may discard response bytes it has not yet read.
// That happens when input is already buffered, and whenever the server, not
// the client, chose to close after a response: a pipelining client may have
// sent more.
func (c *conn) lingerNeeded() bool {
	if !c.responded {
		// Closing an idle connection: nothing is in flight, unless the
		// server is shutting down — then a request may be on its way, and
		// it should meet a FIN (which a client retries on) and not a reset.
		return c.reason == CloseShutdown
	}
	return c.ex != nil && c.ex.in.len() > 0 || c.reason != CloseClient
}

// Lingering close bounds: long enough for a client to read a response and
// close, short enough that a hostile client cannot hold the connection.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 256 << 10
)

type (
	connIDKey   struct{}
	connSelfKey struct{}
)

// ConnIDFromContext returns the ID of the connection that carried the
// request whose context is ctx. IDs match ConnInfo.ID and the access log.
func ConnIDFromContext(ctx context.Context) (uint64, bool) {
	id, ok := ctx.Value(connIDKey{}).(uint64)
	return id, ok
}
