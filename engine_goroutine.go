package holdfast

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"holdfast/internal/sockopt"
)

// The goroutine engine: one goroutine per connection, blocking reads and
// writes on net.Conn, deadlines from the runtime's timers. It runs
// everywhere Go runs; head parsing (head.go) and the request cycle
// (cycle.go) are shared with the epoll engine.

// goroutineConn is a connection of the goroutine engine, and its wire. Its conn
// part is owned by its serve goroutine.
type goroutineConn struct {
	conn
	nc  net.Conn   // the request stream: the socket, or TLS over it once the handshake is done; Shutdown and Close use it too (wake, abort)
	tcp net.Conn   // read-only: the socket
	tls *serverTLS // read-only: the listener's TLS, nil for plain HTTP

	// Owned by the serve goroutine.
	h2    bool                 // HTTP/2 served it, and closed it
	state *tls.ConnectionState // the TLS handshake's outcome, shared by the requests

	// waitingHead is true while the serve goroutine waits for the first
	// byte of a request: the only wait Shutdown may interrupt.
	mu          sync.Mutex
	waitingHead bool // guarded by mu
	shedding    bool // guarded by mu: shed (shed.go) woke the idle wait to close it

	link idleLink // its place in the shard's idle list (shed.go)

	bg     bgRead      // owned by the serve goroutine, and by the reader while active
	waiter *headWaiter // owned by the serve goroutine: head waits without an exchange (headwait_unix.go)
	shard  *connShard  // read-only: where the connection is counted
}

// acceptLoop accepts connections on l, one goroutine each; st is the
// listener's TLS, nil for plain HTTP.
func (s *Server) acceptLoop(l net.Listener, st *serverTLS) error {
	var backoff time.Duration
	for {
		if s.closing.Load() {
			return ErrServerClosed
		}
		if !s.makeRoom() {
			continue // at the cap, nothing to shed: clients wait in the backlog
		}
		nc, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if !isTemporary(err) {
				return err
			}
			backoff = s.acceptFailed(err, backoff)
			continue
		}
		backoff = 0
		g := &goroutineConn{nc: nc, tcp: nc, tls: st}
		g.init(s, nc.RemoteAddr().String())
		g.shard = s.shardOf(g.id)
		g.shard.admit(g)
		if s.overCap() {
			s.shedIdle(1)
		}
		go g.serve()
	}
}

// serve drives one connection until it closes.
func (g *goroutineConn) serve() {
	c := &g.conn
	defer g.finish()
	if err := sockopt.Apply(g.tcp, c.srv.pol().sock); err != nil && !errors.Is(err, sockopt.ErrNotTCP) {
		c.srv.logWarn("setting socket options failed", "remote", c.remote, "err", err)
	}
	c.attachExchange(g)
	g.initHeadWaits()
	if c.refused {
		g.refuse()
		return
	}
	if g.tls != nil && !g.startTLS() {
		return
	}
	for {
		headLen, ok := g.readHead()
		if !ok || !c.serveParsed(headLen) {
			return
		}
	}
}

// finish closes the connection, lingering first if a response may still be
// in flight, and accounts for it.
func (g *goroutineConn) finish() {
	c := &g.conn
	if !c.hijacked && !g.h2 {
		c.setState(StateClosing)
		c.setReason(CloseReadError) // only if nothing more precise was recorded
		if c.flush() == nil && c.lingerNeeded() {
			g.linger()
		}
		g.nc.Close()
	}
	c.releaseExchange()
	now := monotime()
	g.shard.remove(g, now)
	c.gone(now)
}

// refuse answers a connection over Policy.MaxConnsPerIP with 429 and
// closes it (lingering, so the request the client may have sent does not
// turn the close into a reset). Over TLS, which cannot answer before its
// handshake, it closes at once.
func (g *goroutineConn) refuse() {
	if g.tls != nil {
		g.setReason(CloseIPLimit)
		return
	}
	g.respondError(429, "too many connections from this address", CloseIPLimit)
}

// headWait tracks one wait for a request head.
type headWait struct {
	started     time.Time // when its first byte arrived
	deadlineSet bool      // the header timeout is armed
}

// readHead reads until a whole request head is buffered and parsed, and
// returns its length. On false the connection closes (c.reason says why).
func (g *goroutineConn) readHead() (int, bool) {
	var hw headWait
	for {
		if n, ok := g.parseHead(); n > 0 || !ok {
			return n, ok
		}
		if !g.fillHead(&hw) {
			return 0, false
		}
	}
}

// fillHead reads more of a request head. With nothing buffered this is the
// idle wait, bounded by the hold time; once a head has started, the header
// timeout bounds it.
func (g *goroutineConn) fillHead(hw *headWait) bool {
	c, ex, pol := &g.conn, g.ex, g.srv.pol()
	if c.flush() != nil {
		return false
	}
	if ex.in.len() == 0 {
		return g.idleWait(hw)
	}
	if !hw.deadlineSet {
		c.setState(StateReadingHead)
		hw.deadlineSet = true
		if hw.started.IsZero() {
			hw.started = time.Now() // bytes left over from the previous request
		}
		var deadline time.Time
		if pol.headerTimeout > 0 {
			deadline = hw.started.Add(pol.headerTimeout)
		}
		g.nc.SetReadDeadline(deadline)
	}
	n, err := g.readHeadBytes()
	c.countIn(n)
	if n > 0 {
		return true // an error after data shows again on the next read
	}
	c.headReadFailed(sockopt.DiagnoseConn(err, g.nc), false, reasonNone)
	return false
}

// idleWait waits for the first bytes of a request with nothing buffered,
// bounded by the hold time. Shutdown or shedding may cut it short: then
// the connection closes, unless a request raced the close and already
// sits in the socket, in which case it is answered, with Connection:
// close, rather than reset.
func (g *goroutineConn) idleWait(hw *headWait) bool {
	c := &g.conn
	if c.nreq.Load() > 0 {
		c.setState(StateIdle)
	}
	g.ex.in.shrink()
	deadline, idleReason := c.idleDeadline(monotime())
	if !g.beginHeadWait(deadline) {
		return g.interrupted(CloseShutdown)
	}
	n, err := g.readHeadBytes()
	c.countIn(n)
	cut := g.endHeadWait()
	hw.started = time.Now()
	g.idleEnded(n, hw.started)
	switch {
	case n > 0:
		return true
	case cut != reasonNone && isTimeout(err):
		return g.interrupted(cut)
	}
	c.headReadFailed(sockopt.DiagnoseConn(err, g.nc), true, idleReason)
	return false
}

// interrupted closes a connection whose idle wait was cut short for
// reason, unless a request is already in the socket: then it is read,
// under the header timeout, and answered, the response saying
// Connection: close.
func (g *goroutineConn) interrupted(reason CloseReason) bool {
	c := &g.conn
	if !hasInput(g.tcp) {
		c.setReason(reason)
		return false
	}
	c.closeSoon = reason
	var deadline time.Time
	if d := g.srv.pol().headerTimeout; d > 0 {
		deadline = time.Now().Add(d)
	}
	g.nc.SetReadDeadline(deadline)
	n, err := g.readThrough()
	c.countIn(n)
	if n > 0 {
		return true
	}
	c.headReadFailed(sockopt.DiagnoseConn(err, g.nc), true, reason)
	return false
}

// readThrough reads request bytes through the connection (TLS, when it
// has one) into the exchange's input buffer.
func (g *goroutineConn) readThrough() (int, error) {
	return g.ex.in.readFrom(g.nc.Read, headBufferLimit(&g.ex.parser))
}

// idleEnded counts, when the idle wait read n > 0 bytes at t on a kept
// connection, how long it sat idle.
func (g *goroutineConn) idleEnded(n int, t time.Time) {
	if n > 0 && g.nreq.Load() > 0 {
		idle := uint64(max(int64(t.Sub(epoch))-g.idleFrom.Load(), 0))
		g.shard.idle.observe(secondsBucket(idle), idle)
	}
}

// beginHeadWait marks the start of a wait for a new request; it reports
// false if the server is shutting down (unless the connection is still
// awaited for its first request: conn.firstRequestDue). The deadline is set under mu so
// that wake and shed cannot be overtaken by it. A kept connection enters
// its shard's idle list: it may be shed.
func (g *goroutineConn) beginHeadWait(deadline int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv.closing.Load() {
		due := g.firstRequestDue(monotime())
		if due == 0 {
			return false
		}
		deadline = due // not later than the hold time (firstRequestDue)
	}
	g.waitingHead = true
	var t time.Time
	if deadline != 0 {
		t = epoch.Add(time.Duration(deadline))
	}
	g.nc.SetReadDeadline(t)
	if g.nreq.Load() > 0 {
		g.shard.enterIdle(g)
		if g.srv.pol().maxConns > 0 {
			g.srv.signalRoom()
		}
	}
	return true
}

// endHeadWait ends the idle wait and returns why it was cut short, if it
// was: shutdown or shedding. If the wait was cut just as a request
// arrived, the deadline that cut it is cleared so the request is served.
func (g *goroutineConn) endHeadWait() CloseReason {
	g.shard.leaveIdle(g)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waitingHead = false
	cut := reasonNone
	switch {
	case g.shedding:
		cut = CloseShed
	case g.srv.closing.Load():
		cut = CloseShutdown
	default:
		return reasonNone
	}
	g.shedding = false
	g.nc.SetReadDeadline(time.Time{})
	return cut
}

// The wire.

func (g *goroutineConn) readBody(p []byte) (int, error) {
	var deadline time.Time
	if d := g.bodyWait(); d > 0 {
		deadline = time.Now().Add(d)
	}
	g.nc.SetReadDeadline(deadline)
	return g.nc.Read(p)
}

func (g *goroutineConn) write(p []byte) (int, error) {
	if d := g.srv.pol().sendTimeout; d > 0 {
		g.nc.SetWriteDeadline(time.Now().Add(d))
	}
	n, err := g.nc.Write(p)
	return n, g.writeFailed(err)
}

func (g *goroutineConn) writev(a, b []byte) (int64, error) {
	if d := g.srv.pol().sendTimeout; d > 0 {
		g.nc.SetWriteDeadline(time.Now().Add(d))
	}
	bufs := net.Buffers{a, b}
	n, err := bufs.WriteTo(g.nc)
	return n, g.writeFailed(err)
}

// writeFailed prefers the error the background read saw: when a peer
// dies while a handler streams, that read takes the socket's real error (a
// timeout) and the write only sees the broken pipe that follows it.
func (g *goroutineConn) writeFailed(err error) error {
	if err == nil || !g.bg.active {
		return err
	}
	g.unwatch()
	if g.ex.peerGone != nil {
		return g.ex.peerGone
	}
	return err
}

func (g *goroutineConn) hijack() (net.Conn, error) {
	g.nc.SetDeadline(time.Time{})
	return g.nc, nil
}

func (g *goroutineConn) localAddr() net.Addr { return g.nc.LocalAddr() }

func (g *goroutineConn) clock() (time.Time, int64) { return now() }

// wake interrupts a connection waiting for a new request (Shutdown), or
// cuts its wait to the grace for a first request. It works on the socket: the stream above it may be being set up.
func (g *goroutineConn) wake() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.waitingHead {
		return
	}
	if due := g.firstRequestDue(monotime()); due != 0 {
		g.tcp.SetReadDeadline(epoch.Add(time.Duration(due))) // awaits its first request a moment
		return
	}
	g.tcp.SetReadDeadline(aLongTimeAgo)
}

// abort closes the socket under a running connection (Close).
func (g *goroutineConn) abort() { g.tcp.Close() }

var aLongTimeAgo = time.Unix(1, 0)

// linger half-closes the connection and reads (discarding) until the client
// closes, lingerTime passes or lingerBytes arrive — the lingering close that
// RFC 9112 §9.6 asks of a server that closes while the client may still send.
// Over TLS, close_notify goes first; what the client still sends is
// discarded unread, ciphertext and all.
func (g *goroutineConn) linger() {
	type closeWriter interface{ CloseWrite() error }
	if g.nc != g.tcp {
		g.nc.(closeWriter).CloseWrite() // close_notify
	}
	cw, ok := g.tcp.(closeWriter)
	if !ok || cw.CloseWrite() != nil {
		return
	}
	g.tcp.SetReadDeadline(time.Now().Add(lingerTime))
	var buf [4096]byte
	for total := 0; total < lingerBytes; {
		n, err := g.tcp.Read(buf[:])
		total += n
		if err != nil {
			return
		}
	}
}

// bgRead watches the socket while a handler runs, once the request body
// has been read, so that the request's context is cancelled when the
// client goes away (as net/http does). A byte it reads (the start of a
// pipelined request) is handed back to the input buffer.
type bgRead struct {
	active bool          // owned by whoever starts and stops it, in turn
	done   chan struct{} // the reader's signal; reused
	rctx   *reqContext   // the request's context
	buf    [1]byte
	n      int   // written by the reader before it signals done
	err    error // likewise
}

func (g *goroutineConn) watch(rc *reqContext) {
	if g.bg.done == nil {
		g.bg.done = make(chan struct{}, 1)
	}
	g.bg.active = true
	g.bg.rctx = rc
	g.nc.SetReadDeadline(time.Time{})
	go g.backgroundRead()
}

func (g *goroutineConn) backgroundRead() {
	n, err := g.nc.Read(g.bg.buf[:])
	g.bg.n, g.bg.err = n, err
	if n == 0 && err != nil && !isTimeout(err) {
		g.bg.rctx.cancel()
	}
	g.bg.done <- struct{}{}
}

// unwatch interrupts the watch and takes what it found.
func (g *goroutineConn) unwatch() {
	if !g.bg.active {
		return
	}
	g.nc.SetReadDeadline(aLongTimeAgo)
	<-g.bg.done
	g.bg.active = false
	g.bg.rctx = nil
	if g.bg.n > 0 {
		g.countIn(1)
		in := &g.ex.in
		in.ensure(inbufSize)
		in.space()[0] = g.bg.buf[0]
		in.commit(1)
		return
	}
	if err := g.bg.err; err != nil && !isTimeout(err) {
		g.ex.peerGone = sockopt.DiagnoseConn(err, g.nc)
	}
}
