package holdfast

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/sockopt"
)

// TLS on the epoll engine. The handshake runs on a goroutine of its own
// (crypto/tls wants to block, and a handshake error is sticky), over a
// cipherConn that waits for the loop's readiness signals and stops at the
// handshake deadline. Once it is done:
//
//   - HTTP/2 (ALPN h2): the socket is handed to the Go runtime and the
//     goroutine serves it with x/net/http2 (h2.go).
//   - HTTP/1.1 over TLS 1.3: the engine's record layer (recordLayer)
//     takes the traffic secrets over and the crypto/tls.Conn is dropped.
//     The connection goes back to the loop like a plain one: the loop
//     reads ciphertext, opens whole records and parses the head from the
//     plaintext; a partial record waits in a buffer of its own. Idle, the
//     connection holds its keys and sequence numbers, no goroutine, no
//     buffer and no AEAD.
//   - HTTP/1.1 over TLS 1.2: the crypto/tls.Conn stays, driven by the
//     loop through a non-blocking cipherConn (its buffers stay with it).
//
// The loop keeps a connection's session beside its record (loop.sessions,
// by descriptor), so that a plain connection's record stays as small as
// it was. While a request is served the session is the exchange's wire.

// tlsSession is one TLS connection of the epoll engine.
type tlsSession struct {
	c *loopConn // read-only

	// Set by the handshake's goroutine, then owned like the connection:
	// exactly one of records and stream carries the requests.
	records *recordLayer // TLS 1.3: the engine's record layer
	stream  *tls.Conn    // otherwise crypto/tls, over raw
	raw     *cipherConn  // the socket for crypto/tls; nil once records took over
	info    sessionInfo  // what Request.TLS says

	trimQueued bool // owned by the loop: in loop.trim
}

// sessionInfo is what a handler learns of the connection's TLS
// (Request.TLS), kept in a compact form: the ConnectionState is built per
// request.
type sessionInfo struct {
	version, suite uint16
	resumed        bool
	alpn           string
	serverName     string
	peer           []*x509.Certificate
	chains         [][]*x509.Certificate
}

func newSessionInfo(cs *tls.ConnectionState) sessionInfo {
	return sessionInfo{
		version: cs.Version, suite: cs.CipherSuite, resumed: cs.DidResume, alpn: cs.NegotiatedProtocol,
		serverName: cs.ServerName, peer: cs.PeerCertificates, chains: cs.VerifiedChains,
	}
}

func (i *sessionInfo) state() *tls.ConnectionState {
	return &tls.ConnectionState{
		Version: i.version, HandshakeComplete: true, DidResume: i.resumed, CipherSuite: i.suite,
		NegotiatedProtocol: i.alpn, ServerName: i.serverName, PeerCertificates: i.peer, VerifiedChains: i.chains,
	}
}

// session is the connection's TLS session, nil for plain HTTP.
func (l *loop) session(c *loopConn) *tlsSession {
	if c.fd < len(l.sessions) {
		return l.sessions[c.fd]
	}
	return nil
}

func (l *loop) setSession(fd int, s *tlsSession) {
	l.own()
	for fd >= len(l.sessions) {
		l.sessions = append(l.sessions, make([]*tlsSession, len(l.sessions)+64)...)
	}
	l.sessions[fd] = s
}

// dropSession forgets the session of a connection the loop forgets.
func (l *loop) dropSession(fd int) {
	if fd < len(l.sessions) {
		l.sessions[fd] = nil
	}
}

// listenTLSOn notes that listening descriptor fd serves TLS with st.
func (l *loop) listenTLSOn(fd int, st *serverTLS) {
	if l.listenTLS == nil {
		l.listenTLS = make(map[int]*serverTLS)
	}
	l.listenTLS[fd] = st
}

// wireOf is what serves the connection's requests.
func (l *loop) wireOf(c *loopConn) wire {
	if s := l.session(c); s != nil {
		return s
	}
	return c
}

// startHandshake starts the handshake of an accepted connection on a
// goroutine: the connection is busy until it reports back.
func (l *loop) startHandshake(c *loopConn, st *serverTLS) {
	s := &tlsSession{c: c, raw: &cipherConn{c: c, blocking: true, handshaking: true}}
	l.setSession(c.fd, s)
	c.busy = true
	c.attachExchange(s) // for the waits: ready and timer
	go s.handshake(st.config)
}

// handshake runs on its own goroutine, which serves the connection until
// it posts it back to the loop.
func (s *tlsSession) handshake(cfg *tls.Config) {
	c := s.c
	s.raw.deadline = c.handshakeDeadline()
	tc := tls.Server(s.raw, cfg)
	if err := runHandshake(tc); err != nil {
		c.responded = c.handshakeFailed(err, s.raw)
		s.raw.endHandshake()
		s.raw.in.release()
		c.l.post(loopMsg{kind: msgClose, c: c})
		return
	}
	cs := tc.ConnectionState()
	if negotiatedH2(&cs) {
		s.serveH2(tc)
		return
	}
	s.settle(tc, &cs)
	c.events.Or(epoll.In) // the first request may be here already
	c.l.post(loopMsg{kind: msgSecured, c: c})
}

// settle picks what carries the requests: the record layer when it can
// take over, crypto/tls otherwise.
func (s *tlsSession) settle(tc *tls.Conn, cs *tls.ConnectionState) {
	s.info = newSessionInfo(cs)
	raw := s.raw
	if rl := raw.recordLayerFor(cs); rl != nil {
		raw.endHandshake()
		rl.input.adopt(raw.in.bytes())
		raw.in.release()
		s.records, s.raw = rl, nil
		return
	}
	raw.endHandshake()
	s.stream = tc
}

// recordLayerFor starts the record layer for a finished handshake, or
// returns nil when it cannot take over: not TLS 1.3, a suite it does not
// know, secrets not seen, or the handshake's records not understood.
func (r *cipherConn) recordLayerFor(cs *tls.ConnectionState) *recordLayer {
	if cs.Version != tls.VersionTLS13 || r.clientSecret == nil || r.serverSecret == nil {
		return nil
	}
	rl, err := newRecordLayer(cs.CipherSuite, r.clientSecret, r.serverSecret)
	if err != nil {
		return nil
	}
	sealed, ok := rl.sealedCount(r.sent)
	if !ok {
		return nil
	}
	rl.out.seq = sealed
	return rl
}

// serveH2 hands the socket to the runtime and serves HTTP/2 on it, on the
// handshake's goroutine, until the connection ends.
func (s *tlsSession) serveH2(tc *tls.Conn) {
	c := s.c
	s.raw.endHandshake()
	if err := s.raw.handOver(); err != nil {
		c.srv.logError("handing a connection over for HTTP/2 failed", "remote", c.remote, "err", err)
		c.setReason(CloseReadError)
		c.l.post(loopMsg{kind: msgClose, c: c})
		return
	}
	// The loop releases the exchange (handedOver): it may still be
	// handling an event of this socket collected before the hand-over,
	// which looks at the exchange.
	c.srv.adoptDetached(&c.conn)
	c.l.post(loopMsg{kind: msgToH2, c: c})
	c.srv.serveH2(&c.conn, tc)
	c.srv.detachedGone(&c.conn)
}

// handshook takes back a connection whose handshake chose HTTP/1.1: it
// waits for its first request like a new plain connection.
func (l *loop) handshook(c *loopConn, now int64) {
	l.own()
	c.busy = false
	ev := c.events.Swap(0)
	if l.srv.closing.Load() {
		l.closeConn(c, CloseShutdown, now)
		return
	}
	c.releaseExchange()
	l.armIdle(c, now)
	l.readable(c, ev|epoll.In, now)
}

// handedOver forgets a connection that left the loop for HTTP/2: its
// goroutine has a duplicate of the socket and accounts for its end.
func (l *loop) handedOver(c *loopConn) {
	l.unregister(c)
	closeFD(c.fd)
	c.releaseExchange()
}

// read reads request bytes for the loop, never waiting: plaintext for a
// TLS connection. It returns (0, unix.EAGAIN) when none are there and
// (0, nil) at the end of input; other errors are the connection's end.
func (l *loop) read(c *loopConn, buf []byte) (int, error) {
	if s := l.session(c); s != nil {
		return s.readHead(buf)
	}
	n, err := readFD(c.fd, buf)
	switch err {
	case nil, unix.EINTR, unix.EAGAIN:
		return n, err
	}
	return n, sockopt.DiagnoseFD(os.NewSyscallError("read", err), c.fd)
}

// readHead decrypts what the socket holds into buf, as much as fits,
// without waiting.
func (s *tlsSession) readHead(buf []byte) (int, error) {
	total := 0
	for total < len(buf) {
		n, err := s.readNow(buf[total:])
		total += n
		switch {
		case err == nil && s.drained():
			return total, nil
		case err == nil:
			continue
		case total > 0:
			return total, nil // the error shows again on the next read
		case err == errWouldBlock:
			return 0, unix.EAGAIN
		case err == io.EOF:
			return 0, nil
		}
		return 0, err
	}
	return total, nil
}

// readNow reads in the loop.
func (s *tlsSession) readNow(p []byte) (int, error) {
	if s.records != nil {
		return s.records.read(p, loopSource{s.c.fd})
	}
	s.raw.blocking = false
	n, err := s.stream.Read(p)
	s.raw.blocking = true
	return n, err
}

// drained reports that the last read found the socket empty and nothing
// is left to open: reading again now would find nothing.
func (s *tlsSession) drained() bool {
	return s.records != nil && s.records.input.drained && !s.pending()
}

// tlsPending reports whether a TLS connection's session may hold request
// bytes past those just read.
func (l *loop) tlsPending(c *loopConn) bool {
	s := l.session(c)
	return s != nil && s.pending()
}

// pending reports whether the session may hold request bytes the loop has
// not seen: decrypted, or a complete record not yet opened.
func (s *tlsSession) pending() bool {
	if s.records == nil {
		return s.stream != nil // crypto/tls does not say: look
	}
	in := &s.records.input
	if len(in.plain) > 0 {
		return true
	}
	_, complete := in.peekRecord()
	return complete
}

// loopSource reads ciphertext for the loop: errWouldBlock rather than
// wait.
type loopSource struct{ fd int }

func (src loopSource) Read(p []byte) (int, error) {
	for {
		n, err := readFD(src.fd, p)
		switch {
		case n > 0:
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, errWouldBlock
		}
		return 0, sockopt.DiagnoseFD(os.NewSyscallError("read", err), src.fd)
	}
}

// cipherKeep is how long a connection keeps its AEADs once idle: a
// connection in use keeps them from request to request (making them costs
// two allocations and a key schedule per direction), one that stays idle
// lets them go.
const cipherKeep = time.Second

// sessionIdle is called as a connection goes back to waiting: its input
// buffer goes back to the pool when empty at once, its AEADs after
// cipherKeep (trimSessions).
func (l *loop) sessionIdle(s *tlsSession, now int64) {
	l.own()
	if s.records == nil {
		if s.raw.in.len() == 0 {
			s.raw.in.release()
		}
		return
	}
	s.records.input.releaseIfEmpty()
	if !s.trimQueued {
		s.trimQueued = true
		l.trim = append(l.trim, s)
		if l.trimAt == 0 {
			l.trimAt = now + int64(cipherKeep)
		}
	}
}

// trimSessions drops the AEADs of the queued sessions whose connections
// have been idle for cipherKeep; the others are looked at again later. The
// queue empties as connections go quiet, and then the loop sets no timer
// for it: idle connections cost no wake-ups.
func (l *loop) trimSessions(now int64) {
	l.own()
	kept := l.trim[:0]
	for _, s := range l.trim {
		c := s.c
		switch {
		case l.session(c) != s: // closed or handed over
			s.trimQueued = false
		case !l.awaitingHead(c) || now-c.idleFrom.Load() < int64(cipherKeep):
			kept = append(kept, s)
		default:
			s.records.dropCiphers()
			s.trimQueued = false
		}
	}
	clear(l.trim[len(kept):])
	l.trim = kept
	l.trimAt = 0
	if len(kept) > 0 {
		l.trimAt = now + int64(cipherKeep)
	}
}

// release gives back the session's buffers: the connection is closed.
func (s *tlsSession) release() {
	if s.records != nil {
		s.records.input.release()
		s.records.dropCiphers()
	} else if s.raw != nil {
		s.raw.in.release()
	}
}

// closeNotify sends, in the loop and without waiting, the response bytes
// still buffered and then close_notify (or the alert owed for a protocol
// error); a connection whose handshake failed gets nothing.
func (s *tlsSession) closeNotify() {
	c := s.c
	var out []byte
	if c.ex != nil {
		out = c.ex.out
		c.ex.out = c.ex.out[:0]
	}
	switch {
	case s.records != nil:
		c.countOut(s.sealNow(out))
	case s.stream != nil:
		s.raw.blocking = false
		n, _ := s.stream.Write(out)
		c.countOut(n)
		s.stream.CloseWrite()
		s.raw.blocking = true
	}
}

// sealNow writes out, then the closing alert, with the record layer, as
// far as the socket takes them at once; it returns the bytes of out sent.
func (s *tlsSession) sealNow(out []byte) int {
	r := s.records
	bp := sealPool.Get().(*[]byte)
	defer sealPool.Put(bp)
	buf := *bp
	sent := 0
	// After the client's close_notify (io.EOF) its side is closed, not
	// ours: what is left of the response still goes.
	for (r.err == nil || r.err == io.EOF) && sent < len(out) {
		n := copy(buf[recordHeaderLen:recordHeaderLen+maxPlaintext], out[sent:])
		rec, err := r.seal(buf, n, recordAppData)
		if err != nil {
			return sent
		}
		if _, err := writeNow(s.c.fd, rec); err != nil {
			return sent
		}
		sent += n
	}
	alert := uint8(alertCloseNotify)
	switch {
	case r.failAlert() != 0:
		alert = r.failAlert()
	case r.err != nil && r.err != io.EOF:
		return sent // the client sent a fatal alert, or the socket failed
	}
	if rec, err := r.alertRecord(buf, alert); err == nil {
		writeNow(s.c.fd, rec)
	}
	return sent
}
