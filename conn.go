package holdfast

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/sockopt"
)

// conn is one server connection: its identity, its place in the state
// machine, its counters and its buffers. The request cycle in request.go,
// response.go and body.go works on it; an engine drives it.
type conn struct {
	srv     *Server
	pol     *policy
	nc      net.Conn
	id      uint64
	remote  string
	created time.Time

	// Read by Connections and Shutdown from other goroutines.
	state    atomic.Uint32 // ConnState
	idleFrom atomic.Int64  // ns since created when the last request ended
	nreq     atomic.Uint64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64

	// waitingHead is true while the serve goroutine blocks for the first
	// byte of a request, the only wait Shutdown may interrupt.
	mu          sync.Mutex
	waitingHead bool // guarded by mu

	// Owned by the serve goroutine (and by the handler goroutine, which
	// is the same one in the goroutine engine).
	ctx       context.Context // the connection's context: the request contexts' parent
	cancelCtx context.CancelFunc
	in        inbuf
	out       []byte
	parser    http1.Parser
	head      http1.Request
	reason    CloseReason
	hijacked  bool
	responded bool  // the connection closes right after a response
	peerGone  error // set when the peer closed or failed while a handler ran
	bg        bgRead

	// Per-request scratch, reused so a request allocates less. None of it
	// is reachable by a handler after it returns.
	reqTmpl    http.Request // filled, then copied by WithContext
	respHeader http.Header  // the response's header map, cleared per request
	pend       []byte       // the response's held-back body
	chunk      http1.ChunkedDecoder

	// Set while reading a request body (possibly on a handler's
	// goroutine; read by the serve goroutine after the body is detached).
	tooLarge   bool  // the body passed Server.MaxBodyBytes
	badBody    error // the chunked framing was invalid
	bodyBroken bool  // reading the body failed: the framing is lost
}

// outbufSize is the output buffer size: writes up to it are coalesced, so
// a small response leaves in one system call with its head, and pipelined
// responses leave together.
const outbufSize = 4 << 10

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:     s,
		pol:     &s.pol,
		nc:      nc,
		id:      s.nextID.Add(1),
		remote:  nc.RemoteAddr().String(),
		created: time.Now(),
	}
	c.parser.Limits = s.limits
	c.head.Reset()
	c.respHeader = make(http.Header)
	c.out = make([]byte, 0, outbufSize)
	c.pend = make([]byte, 0, pendingMax)
	s.stats.accepted.Add(1)
	s.stats.open.Add(1)
	return c
}

// setup applies the socket options and builds the connection's context.
func (c *conn) setup() {
	if err := sockopt.Apply(c.nc, c.pol.sock); err != nil && !errors.Is(err, sockopt.ErrNotTCP) {
		c.srv.logf("setting socket options on %s: %v", c.remote, err)
	}
	ctx := context.WithValue(context.Background(), connIDKey{}, c.id)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.nc.LocalAddr())
	c.ctx, c.cancelCtx = context.WithCancel(ctx)
}

// allowedNext lists, per state, the states it may move to: the transitions
// documented on ConnState. setState counts any other move.
var allowedNext = [numStates]uint16{
	StateNew:         stateSet(StateReadingHead, StateHandling, StateClosing),
	StateReadingHead: stateSet(StateHandling, StateClosing),
	StateReadingBody: stateSet(StateHandling, StateWriting, StateIdle, StateReadingHead, StateClosing),
	StateHandling:    stateSet(StateReadingBody, StateWriting, StateHijacked, StateClosing),
	StateWriting:     stateSet(StateHandling, StateReadingBody, StateIdle, StateReadingHead, StateClosing),
	StateIdle:        stateSet(StateReadingHead, StateHandling, StateClosing),
	StateClosing:     stateSet(StateClosed),
}

func stateSet(states ...ConnState) uint16 {
	var b uint16
	for _, s := range states {
		b |= 1 << s
	}
	return b
}

// badTransitions counts state moves that the state machine does not allow;
// tests assert it stays zero.
var badTransitions atomic.Uint64

func (c *conn) setState(to ConnState) {
	from := ConnState(c.state.Swap(uint32(to)))
	if from != to && allowedNext[from]&(1<<to) == 0 {
		badTransitions.Add(1)
		println("BAD", from.String(), to.String())
	}
}

func (c *conn) getState() ConnState { return ConnState(c.state.Load()) }

func (c *conn) info(now time.Time) ConnInfo {
	st := c.getState()
	ci := ConnInfo{
		ID:       c.id,
		Remote:   c.remote,
		State:    st,
		Age:      now.Sub(c.created),
		Requests: c.nreq.Load(),
		BytesIn:  c.bytesIn.Load(),
		BytesOut: c.bytesOut.Load(),
	}
	if st == StateIdle || st == StateNew {
		ci.Idle = ci.Age - time.Duration(c.idleFrom.Load())
	}
	return ci
}

// beginHeadWait marks the start of a wait for a new request; it reports
// false if the server is shutting down, in which case the connection closes.
// The deadline is set under mu so that wake cannot be overtaken by it.
func (c *conn) beginHeadWait(deadline time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv.closing.Load() {
		return false
	}
	c.waitingHead = true
	c.nc.SetReadDeadline(deadline)
	return true
}

// wake interrupts a connection waiting for a new request (Shutdown).
func (c *conn) wake() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waitingHead {
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// abort closes the socket under a running connection (Close).
func (c *conn) abort() { c.nc.Close() }

var aLongTimeAgo = time.Unix(1, 0)

// idleDeadline is when the wait for the next request ends, and the reason
// the connection closes then: the hold time, or the age cap if it comes
// first.
func (c *conn) idleDeadline(now time.Time) (time.Time, CloseReason) {
	var d time.Time
	reason := CloseIdleTimeout
	if c.pol.idleTimeout > 0 {
		d = now.Add(c.pol.idleTimeout)
	}
	if c.pol.maxAge > 0 {
		if end := c.created.Add(c.pol.maxAge); d.IsZero() || end.Before(d) {
			d, reason = end, CloseMaxAge
		}
	}
	return d, reason
}

// closeAfter decides, as a response head is written, whether the
// connection closes after it (RFC 9112 §9.3 and the Policy); reasonNone
// keeps it.
func (c *conn) closeAfter(h *http1.Request, handlerClose bool, now time.Time) CloseReason {
	switch {
	case !c.pol.keepAlive:
		return CloseKeepAliveOff
	case !http1.Persistent(h.Version, h.Close, h.KeepAlive):
		return CloseClient
	case handlerClose:
		return CloseHandler
	case c.peerGone != nil:
		return CloseClient
	case c.srv.closing.Load():
		return CloseShutdown
	case c.pol.maxRequests > 0 && c.nreq.Load() >= uint64(c.pol.maxRequests):
		return CloseMaxRequests
	case c.pol.maxAge > 0 && now.Sub(c.created) >= c.pol.maxAge:
		return CloseMaxAge
	}
	return reasonNone
}

// keepAliveHint returns the timeout and max of a Keep-Alive field for a
// response that keeps the connection: the real remaining hold time in whole
// seconds, rounded down so it is never above the truth, and the requests
// left (-1: no cap).
func (c *conn) keepAliveHint(now time.Time) (timeout, remaining int) {
	d, _ := c.idleDeadline(now)
	timeout = -1
	if !d.IsZero() {
		timeout = int(d.Sub(now) / time.Second)
	}
	remaining = -1
	if c.pol.maxRequests > 0 {
		remaining = c.pol.maxRequests - int(c.nreq.Load())
	}
	return timeout, remaining
}

// classify maps a socket error to the reason it closes the connection.
// writing says whether the failed operation was a write, which tells a
// TCP_USER_TIMEOUT expiry (data unacknowledged) from unanswered keepalive
// probes: the kernel reports ETIMEDOUT for both.
func classify(err error, writing bool) CloseReason {
	switch {
	case err == nil:
		return reasonNone
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CloseClient
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return ClosePeerReset
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		if writing {
			return CloseUserTimeout
		}
		return CloseKeepAliveTimeout
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

// setReason records why the connection closes; the first reason wins.
func (c *conn) setReason(r CloseReason) {
	if c.reason == reasonNone {
		c.reason = r
	}
}

// read reads from the socket, counting bytes.
func (c *conn) read(p []byte) (int, error) {
	n, err := c.nc.Read(p)
	c.bytesIn.Add(uint64(n))
	c.srv.stats.bytesIn.Add(uint64(n))
	return n, err
}

// write writes to the socket under the send timeout, counting bytes.
func (c *conn) write(p []byte) (int, error) {
	if c.pol.sendTimeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.pol.sendTimeout))
	}
	n, err := c.nc.Write(p)
	c.bytesOut.Add(uint64(n))
	c.srv.stats.bytesOut.Add(uint64(n))
	return n, err
}

// flush writes out the buffered output.
func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.write(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.setReason(classify(err, true))
	}
	return err
}

// finish closes the connection and accounts for it. It runs once, on the
// serve goroutine, whatever ended the connection.
func (c *conn) finish() {
	c.cancelCtx()
	if c.hijacked {
		c.srv.stats.open.Add(-1)
		c.srv.trackConn(c, false)
		return
	}
	c.setState(StateClosing)
	c.setReason(CloseReadError) // only if nothing more precise was recorded
	if c.flush() == nil && c.lingerNeeded() {
		c.linger()
	}
	c.nc.Close()
	c.setState(StateClosed)
	c.srv.stats.connClosed(c.reason, c.nreq.Load())
	c.srv.trackConn(c, false)
	c.in.release()
	c.out = nil
}

// lingerNeeded reports whether closing now could destroy the response just
// sent: closing a socket with unread input makes the kernel send RST, and a
// client that receives RST may discard response bytes it has not yet read.
// That happens when input is already buffered, and whenever the server, not
// the client, chose to close after a response: a pipelining client may have
// sent more.
func (c *conn) lingerNeeded() bool {
	if !c.responded {
		return false // closing an idle connection: nothing in flight
	}
	return c.in.len() > 0 || c.reason != CloseClient
}

// Lingering close bounds: long enough for a client to read a response and
// close, short enough that a hostile client cannot hold the connection.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 256 << 10
)

// linger half-closes the connection and reads (discarding) until the client
// closes, lingerTime passes or lingerBytes arrive — the lingering close that
// RFC 9112 §9.6 asks of a server that closes while the client may still send.
func (c *conn) linger() {
	type closeWriter interface{ CloseWrite() error }
	cw, ok := c.nc.(closeWriter)
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTime))
	var buf [4096]byte
	for total := 0; total < lingerBytes; {
		n, err := c.nc.Read(buf[:])
		total += n
		if err != nil {
			return
		}
	}
}

type connIDKey struct{}

// ConnIDFromContext returns the ID of the connection that carried the
// request whose context is ctx. IDs match ConnInfo.ID and the access log.
func ConnIDFromContext(ctx context.Context) (uint64, bool) {
	id, ok := ctx.Value(connIDKey{}).(uint64)
	return id, ok
}
