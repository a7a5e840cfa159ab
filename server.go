package holdfast

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"holdfast/internal/http1"
)

// A Server serves HTTP/1.x on persistent connections. Its zero value, with a
// Handler, is ready to use; its fields must not change once it serves
// (SetPolicy changes the policy in force).
type Server struct {
	// Addr is the TCP address ListenAndServe listens on; "" means ":http".
	Addr string

	// Handler answers requests; nil means http.DefaultServeMux.
	Handler http.Handler

	// Policy decides how connections are kept; the zero value is the
	// default policy.
	Policy Policy

	// Engine picks how connections are driven; the zero value picks the
	// best one for the system.
	Engine Engine

	// MaxRequestLineBytes bounds the request line (414 beyond it); 0 means
	// 8 KiB.
	MaxRequestLineBytes int

	// MaxHeaderBytes bounds the request head, request line included (431
	// beyond it); 0 means 64 KiB.
	MaxHeaderBytes int

	// MaxBodyBytes bounds a request body (413 beyond it); 0 means no limit.
	MaxBodyBytes int64

	// AccessLog, when set, receives one record per request (message
	// "request", level Info): the request and its answer, the connection
	// it rode (conn), its number on that connection (req), whether the
	// connection had served one before (reused), and whether it was kept
	// or why it closed.
	AccessLog *slog.Logger

	// ConnectionLog, when set, receives one record per connection as it
	// closes (message "connection closed", level Info): its close reason,
	// age, requests and bytes.
	ConnectionLog *slog.Logger

	// ErrorLog receives what an operator should hear of: accept failures,
	// handler panics, sockets that refused their options. Each kind of
	// record (its message) is rate limited: the first is logged at once,
	// then at most one per ErrorLogInterval, the next one logged counting
	// those dropped (attribute "suppressed"), so that a flood of failures
	// costs a line every few seconds, not one per connection. nil means
	// slog.Default().
	ErrorLog *slog.Logger

	// TLSConfig is the TLS configuration of ServeTLS and
	// ListenAndServeTLS; it is cloned, not changed. nil means a default
	// configuration holding the certificate files they are given.
	TLSConfig *tls.Config

	// HTTP2 serves HTTP/2 (golang.org/x/net/http2) on TLS connections
	// whose client asks for it with ALPN "h2". Default On; Off offers
	// only "http/1.1".
	HTTP2 Toggle

	initOnce sync.Once
	policy   atomic.Pointer[policy] // resolved Policy; set by init and SetPolicy
	limits   http1.Limits           // set once by init
	errLog   *slog.Logger           // ErrorLog, rate limited; set once by init
	shards   []connShard            // the goroutine engine's connections and counts; set once by init
	live     atomic.Int64           // connections not yet gone: Shutdown waits for none
	nextID   atomic.Uint64          // connection IDs
	closing  atomic.Bool            // Shutdown or Close called
	ips      addressCounts          // open connections per client address (Policy.MaxConnsPerIP)
	room     chan struct{}          // signalled as connections go or idle, at the cap; made by init

	done      chan struct{} // closed when Shutdown or Close is called
	closeOnce sync.Once

	h2Once    sync.Once
	h2serving atomic.Pointer[h2Serving] // set once by h2

	mu        sync.Mutex
	listeners map[*net.Listener]struct{} // guarded by mu
	h2conns   map[*h2Conn]struct{}       // guarded by mu; HTTP/2 connections, of either engine
	detached  map[*conn]struct{}         // guarded by mu; connections that left their epoll loop (HTTP/2)
	drained   chan struct{}              // guarded by mu; closed when no connection is left during Shutdown
	epoll     *epollEngine               // guarded by mu; the event loops, once started

	detachedTally tally // guarded by mu; the detached connections that ended
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		pol := s.Policy.resolve()
		s.policy.Store(&pol)
		s.limits = http1.Limits{MaxRequestLine: s.MaxRequestLineBytes, MaxHeadBytes: s.MaxHeaderBytes}
		s.listeners = make(map[*net.Listener]struct{})
		s.shards = newShards()
		s.errLog = rateLimited(s.ErrorLog)
		s.h2conns = make(map[*h2Conn]struct{})
		s.detached = make(map[*conn]struct{})
		s.done = make(chan struct{})
		s.room = make(chan struct{}, 1)
	})
}

// ListenAndServe listens on s.Addr with Listen and serves until Shutdown or
// Close, when it returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	l, err := s.listenOn(":http")
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// listenOn opens the listener of ListenAndServe and ListenAndServeTLS:
// on s.Addr, or def when it is empty.
func (s *Server) listenOn(def string) (net.Listener, error) {
	if s.closing.Load() {
		return nil, ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = def
	}
	return Listen(addr)
}

// Listen opens a TCP listener on addr ("host:port"; an empty host means
// every address, port 0 picks a free one) for Serve, the way
// ListenAndServe does. It is plain TCP rather than the Multipath TCP that
// net.Listen opens by default where the system supports it. Ordinary
// clients get TCP connections either way, but an MPTCP listener refuses
// TCP_USER_TIMEOUT, which the epoll engine otherwise sets once on the
// listener for every accepted socket to inherit.
func Listen(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	return lc.Listen(context.Background(), "tcp", addr)
}

// Serve accepts connections on l and serves each. It closes l when it
// returns; after Shutdown or Close it returns ErrServerClosed. With the
// epoll engine, the policy's TCP options are set on l and inherited by the
// accepted sockets; an MPTCP listener (what net.Listen makes since Go 1.24)
// refuses TCP_USER_TIMEOUT, which is then set on each accepted socket.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	return s.serve(l, nil)
}

// serve is Serve, with TLS when st is set (ServeTLS).
func (s *Server) serve(l net.Listener, st *serverTLS) error {
	if !s.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	defer l.Close()
	switch s.Engine.resolve() {
	case EngineGoroutine:
		return s.acceptLoop(l, st)
	case EngineEpoll:
		return s.serveEpoll(l, st)
	}
	return ErrUnknownEngine
}

func isTemporary(err error) bool {
	var ne interface{ Temporary() bool }
	return errors.As(err, &ne) && ne.Temporary()
}

// Shutdown stops the server gracefully: it closes the listeners, closes idle
// connections at once, lets requests in flight finish (their responses carry
// Connection: close) and returns when every connection is gone or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.beginClosing()
	s.mu.Lock()
	s.closeListenersLocked()
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.signalDrainedLocked()
	s.mu.Unlock()
	for _, c := range s.goroutineConns() {
		c.wake()
	}
	s.shutdownH2()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once; handlers still
// running see their request contexts cancelled.
func (s *Server) Close() error {
	s.init()
	s.beginClosing()
	s.mu.Lock()
	s.closeListenersLocked()
	s.mu.Unlock()
	for _, c := range s.goroutineConns() {
		c.abort()
	}
	s.abortH2()
	s.abortEngine()
	return nil
}

// beginClosing marks the server closing, once: Serve calls return and the
// engine stops taking connections.
func (s *Server) beginClosing() {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		close(s.done)
		s.stopEngine()
	})
}

func (s *Server) closeListenersLocked() {
	for l := range s.listeners {
		(*l).Close()
	}
	clear(s.listeners)
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing.Load() {
			return false
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

// connGone is told of every connection that ends, whatever its engine, so
// that Shutdown learns when the last one is gone.
func (s *Server) connGone() {
	left := s.live.Add(-1)
	if s.pol().maxConns > 0 {
		s.signalRoom()
	}
	if left == 0 && s.closing.Load() {
		s.mu.Lock()
		s.signalDrainedLocked()
		s.mu.Unlock()
	}
}

func (s *Server) signalDrainedLocked() {
	if s.drained == nil || s.live.Load() != 0 {
		return
	}
	select {
	case <-s.drained:
	default:
		close(s.drained)
	}
}

// Connections describes every open connection.
func (s *Server) Connections() []ConnInfo {
	s.init()
	conns := s.goroutineConns()
	now := monotime()
	infos := s.engineConnections(now)
	for _, c := range conns {
		infos = append(infos, c.info(now))
	}
	return append(infos, s.detachedConnections(now)...)
}

// pol is the policy in force. A connection reads it each time it needs
// it, so that SetPolicy reaches connections already open.
func (s *Server) pol() *policy { return s.policy.Load() }

func (s *Server) handler() http.Handler {
	if s.Handler != nil {
		return s.Handler
	}
	return http.DefaultServeMux
}
