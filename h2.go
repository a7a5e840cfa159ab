package holdfast

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
)

// HTTP/2: a TLS connection whose client chose "h2" is served by
// golang.org/x/net/http2 with the server's handler, on a goroutine of its
// own whichever the engine (an HTTP/2 connection multiplexes its requests
// and keeps goroutines for its streams anyway). It keeps its place in the
// server's books: its record moves through the same states (handling while
// a stream is open, idle between), counts its requests and bytes, and
// closes with a CloseReason.

// h2Serving is the server's HTTP/2 machinery, made on first use.
type h2Serving struct {
	server *http2.Server
	// base carries the handler and the ConnState hook, and its Shutdown
	// sends GOAWAY on every HTTP/2 connection (http2.ConfigureServer
	// registers that).
	base *http.Server
}

func (s *Server) h2() *h2Serving {
	s.h2Once.Do(func() {
		hs := &h2Serving{
			server: &http2.Server{IdleTimeout: s.pol().idleTimeout},
			base:   &http.Server{ErrorLog: slog.NewLogLogger(s.errLog.Handler(), slog.LevelWarn), ConnState: s.h2ConnState},
		}
		hs.base.Handler = http.HandlerFunc(s.serveH2Request)
		http2.ConfigureServer(hs.base, hs.server)
		s.h2serving.Store(hs)
	})
	return s.h2serving.Load()
}

// h2Conn is an HTTP/2 connection as http2 reads and writes it: the TLS
// connection, counting bytes into the record and noting why it ended.
type h2Conn struct {
	*tls.Conn
	c *conn

	closed  atomic.Bool           // Close was called: later read errors are not the client's
	readErr atomic.Pointer[error] // the first read error the client caused
}

func (h *h2Conn) Read(p []byte) (int, error) {
	n, err := h.Conn.Read(p)
	h.c.countIn(n)
	if err != nil && !h.closed.Load() {
		h.readErr.CompareAndSwap(nil, &err)
	}
	return n, err
}

func (h *h2Conn) Write(p []byte) (int, error) {
	n, err := h.Conn.Write(p)
	h.c.countOut(n)
	return n, err
}

func (h *h2Conn) Close() error {
	h.closed.Store(true)
	return h.Conn.Close()
}

// serveH2 serves HTTP/2 on tc, whose handshake chose it, until the
// connection ends, and records why it ended; its engine then accounts for
// the end.
func (s *Server) serveH2(c *conn, tc *tls.Conn) {
	h := &h2Conn{Conn: tc, c: c}
	if !s.trackH2(h, true) {
		tc.Close()
		c.setReason(CloseShutdown)
		return
	}
	hs := s.h2()
	// The record is the connection's context (see conn.Value): the
	// requests' contexts carry its ID, and serveH2Request finds it.
	hs.server.ServeConn(h, &http2.ServeConnOpts{Context: c, BaseConfig: hs.base})
	s.trackH2(h, false)
	c.setState(StateClosing)
	c.setReason(h.closeReason())
}

// closeReason says why an HTTP/2 connection ended.
func (h *h2Conn) closeReason() CloseReason {
	c := h.c
	switch {
	case c.srv.closing.Load():
		return CloseShutdown
	case c.getState() == StateIdle && c.srv.pol().idleTimeout > 0 &&
		time.Duration(monotime()-c.idleFrom.Load()) >= c.srv.pol().idleTimeout-idleVerdictSlack:
		return CloseIdleTimeout
	}
	if p := h.readErr.Load(); p != nil {
		return classify(*p, false)
	}
	return CloseProtocolError // http2 ended it: a frame it refused
}

// idleVerdictSlack is the slack of the idle-timeout verdict: http2's
// timer and the record's idle mark are read at different moments.
const idleVerdictSlack = 50 * time.Millisecond

// h2ConnState follows http2's view of a connection in the record's state.
func (s *Server) h2ConnState(nc net.Conn, st http.ConnState) {
	h, ok := nc.(*h2Conn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive:
		h.c.setState(StateHandling)
	case http.StateIdle:
		if h.c.getState() == StateNew && s.closing.Load() {
			// The server began closing between this connection's
			// handshake and http2 taking it in: send it GOAWAY too.
			go s.shutdownH2()
		}
		h.c.setState(StateIdle)
		h.c.idleFrom.Store(monotime())
	}
}

// serveH2Request counts a request in the connection's record and the
// server's stats, and runs the handler.
func (s *Server) serveH2Request(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(connSelfKey{}).(*conn)
	if c == nil {
		s.handler().ServeHTTP(w, r)
		return
	}
	c.nreq.Add(1)
	if s.AccessLog == nil {
		s.handler().ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := &h2Recorder{ResponseWriter: w, status: http.StatusOK}
	s.handler().ServeHTTP(rec, r)
	c.logH2Access(r, rec, start)
}

// h2Recorder notes the status and body size of a response for the access
// log; Unwrap lets http.ResponseController reach the real writer.
type h2Recorder struct {
	http.ResponseWriter
	status  int
	written int64
	wrote   bool
}

func (w *h2Recorder) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *h2Recorder) Write(p []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}

func (w *h2Recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *h2Recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logH2Access writes an HTTP/2 request's access log line, the same as an
// HTTP/1 request's; the connection stays open after it ("keep").
func (c *conn) logH2Access(r *http.Request, w *h2Recorder, start time.Time) {
	c.logAccess(r, &response{respState: &respState{status: w.status, written: w.written}}, start, true)
}

// trackH2 registers an HTTP/2 connection, or forgets it; it refuses new
// ones once the server closes.
func (s *Server) trackH2(h *h2Conn, add bool) bool { return track(s, s.h2conns, h, add) }

// track adds k to set, or removes it, under s.mu; it refuses to add once
// the server closes.
func track[K comparable](s *Server, set map[K]struct{}, k K, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing.Load() {
			return false
		}
		set[k] = struct{}{}
		return true
	}
	delete(set, k)
	return true
}

// shutdownH2 sends GOAWAY on every HTTP/2 connection: each closes once
// its streams are done (Shutdown).
func (s *Server) shutdownH2() {
	if hs := s.h2serving.Load(); hs != nil {
		hs.base.Shutdown(context.Background()) // returns at once: base has no connections of its own
	}
}

// abortH2 closes every HTTP/2 connection at once (Close).
func (s *Server) abortH2() {
	for _, h := range s.h2List() {
		h.Close()
	}
}

func (s *Server) h2List() []*h2Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*h2Conn, 0, len(s.h2conns))
	for h := range s.h2conns {
		list = append(list, h)
	}
	return list
}

// An HTTP/2 connection of the epoll engine leaves its loop (the runtime's
// poller serves its socket): from then on the server keeps its record
// among the detached ones, and accounts for its end in detachedTally, both
// guarded by mu. It joins them before the loop forgets it, so that a
// gather never misses it.

// adoptDetached takes in the record of a connection leaving its loop.
func (s *Server) adoptDetached(c *conn) {
	s.mu.Lock()
	s.detached[c] = struct{}{}
	s.mu.Unlock()
}

// detachedGone accounts for the end of a detached connection.
func (s *Server) detachedGone(c *conn) {
	now := monotime()
	s.mu.Lock()
	delete(s.detached, c)
	c.account(&s.detachedTally, now)
	s.mu.Unlock()
	c.gone(now)
}

// gatherDetached adds the detached connections' counts.
func (s *Server) gatherDetached(into *gathered) {
	s.mu.Lock()
	defer s.mu.Unlock()
	into.tally.add(&s.detachedTally)
	for c := range s.detached {
		into.addOpen(c)
	}
}

func (s *Server) detachedConnections(now int64) []ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	infos := make([]ConnInfo, 0, len(s.detached))
	for c := range s.detached {
		infos = append(infos, c.info(now))
	}
	return infos
}
