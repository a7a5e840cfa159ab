package client

import (
	"context"
	"crypto/tls"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"sync"
	"time"

	"holdfast/internal/setting"
	"holdfast/internal/sockopt"
)

// Transport is an http.RoundTripper for HTTP/1.x, over TCP and TLS, whose
// connection pool reuses persistent connections safely. The zero value is
// ready to use:
//
//	client := &http.Client{Transport: &client.Transport{}}
//
// Connections are pooled per host (the URL's host[:port]) and reused hottest
// first. A pooled connection is retired before the server may close it: at
// the Transport's IdleTimeout, or earlier when the server advertised a
// shorter hold time with "Keep-Alive: timeout=T" (see IdleTimeout for the
// margin), and after the number of requests the server's "max=M" allows.
// Before a connection is reused, a non-blocking check discards it if the
// server already closed or reset it, or sent something unasked (a 408). A
// request that may be sent again (below) skips the check on a connection
// whose last exchange ended under 5 ms before: no server's idle timeout is
// that short, and the retry covers whatever else closed it.
//
// What no check can see is a server that closes the connection while the
// request is on its way. If a reused connection fails before any byte of
// the response arrives, an idempotent request (GET, HEAD, OPTIONS, TRACE,
// PUT, DELETE, or any request with an Idempotency-Key header) whose body can
// be replayed (no body, or Request.GetBody) is sent once more, on a newly
// dialed connection. Other requests fail with an error wrapping
// ErrReusedConnClosed: the server may have processed them. A "408 Request
// Timeout" with Connection: close on a reused connection counts as the race
// too for requests that may be retried; the others get the 408.
//
// Response bodies stream from the connection. Reading one to io.EOF gives
// the connection back to the pool at once (the last Read returns the data
// with io.EOF when the framing shows the end); closing one early drains the
// rest if it is within DrainLimit, or closes the connection.
//
// Every connection closes with one CloseReason, counted in Stats along with
// dials, reuses, reuse failures and retries.
//
// httptrace.ClientTrace hooks fire as with net/http: GetConn, GotConn (with
// Reused, WasIdle and IdleTime), PutIdleConn, WroteHeaderField,
// WroteHeaders, Wait100Continue, Got100Continue, Got1xxResponse,
// WroteRequest and GotFirstResponseByte from the Transport; ConnectStart,
// ConnectDone and the DNS hooks from net.Dialer, which finds the trace in
// the request's context (a custom DialContext fires them if it dials with
// that context through a net.Dialer).
//
// For every duration and count, zero means the default documented on the
// field and a negative value means "none", as in the server's Policy.
// Fields must not be changed after the first request.
//
// https:// URLs are served over TLS (crypto/tls): the system's roots
// verify the server unless TLSClientConfig says otherwise, the URL's host
// is the server name sent (SNI) and verified, and sessions are resumed
// (a ClientSessionCache per Transport unless TLSClientConfig has one), so
// that a new connection to a server seen before costs one round trip and
// no certificate check. Over TLS the Transport speaks HTTP/1.1 only: it
// offers "http/1.1" alone with ALPN, so that a server that prefers
// HTTP/2 still answers in HTTP/1.1, and refuses a server that picks
// anything else. Its promises hold over TLS as over TCP: the look before
// reuse is made at the socket under TLS (a record that arrived unasked is
// read through TLS to tell a session ticket from a close_notify or a
// response), hints expire connections, and the reuse race is retried.
//
// Proxy sends requests through an HTTP proxy, as net/http's Transport
// does: http:// requests in absolute form to the proxy, https:// ones
// through a tunnel the proxy opens on CONNECT. Each (scheme, host, server
// name, proxy) has a pool of its own; connections of two Transports are
// never shared, so the Transport's own TLS settings (roots, client
// certificate, verification) are the same for all of its pools.
//
// The Transport does not speak HTTP/2, does not hand connections over on
// a 101 (ErrUpgradeUnsupported), and never adds Accept-Encoding nor
// decompresses.
type Transport struct {
	// DialContext dials the TCP connections. Default: net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// DialTimeout bounds a dial, and the CONNECT through a proxy. Default
	// 30 s.
	DialTimeout time.Duration

	// TLSClientConfig configures the TLS of https:// connections; nil
	// means crypto/tls's defaults. It is cloned at the first request:
	// ServerName, when empty, becomes each URL's host; NextProtos is
	// always "http/1.1" alone; ClientSessionCache, when nil, is one LRU
	// cache (64 sessions) for the Transport.
	TLSClientConfig *tls.Config

	// TLSHandshakeTimeout bounds a TLS handshake. Default 10 s.
	TLSHandshakeTimeout time.Duration

	// Proxy returns the proxy a request goes through, or nil for none;
	// http.ProxyFromEnvironment reads it from HTTP_PROXY, HTTPS_PROXY and
	// NO_PROXY. Only http:// proxies are supported, with Basic
	// credentials from the proxy URL's user info. nil: no proxy.
	Proxy func(*http.Request) (*url.URL, error)

	// MaxIdlePerHost caps the idle connections kept per host; a connection
	// released beyond it closes the coldest idle one. Default 64; negative:
	// no cap.
	MaxIdlePerHost int

	// MaxConnsPerHost caps the connections per host, idle, in use and being
	// dialed together. A request that finds the cap reached waits for a
	// connection to come back or close, or for its context to end.
	// Default: no cap.
	MaxConnsPerHost int

	// IdleTimeout is how long an idle connection is kept when the server
	// did not say how long it keeps it. Default 50 s: below the hold times
	// of common servers and balancers (nginx 75 s, AWS ALB 60 s), so that
	// the client, not the server, closes first. Servers that hold for less
	// (Apache's 5 s, Node's 5 s) advertise it with "Keep-Alive: timeout=T",
	// and the connection then expires at T less a safety margin of
	// max(T/10, 500 ms) plus twice the shortest round trip seen on it: the
	// server's clock starts half a round trip before ours, and our next
	// request reaches it half a round trip after we send it; the rest
	// covers timers, scheduling and a T rounded up. With T=1 on a local
	// network that leaves about half a second of reuse; a T at or under the
	// margin means the connection is not reused at all.
	IdleTimeout time.Duration

	// MaxAge caps a connection's lifetime, so that a long-lived client
	// re-resolves and re-balances now and then. Default 1 h, as the
	// server's.
	MaxAge time.Duration

	// MaxRequestsPerConn caps the requests sent on one connection. Default:
	// no cap (servers say when, with Connection: close or Keep-Alive: max).
	MaxRequestsPerConn int

	// ResponseHeaderTimeout bounds the wait for the response head once the
	// request is written. Default: none (the request's context bounds it).
	ResponseHeaderTimeout time.Duration

	// ExpectContinueTimeout is how long a request with "Expect:
	// 100-continue" waits for the 100 before its body is sent anyway.
	// Default 1 s.
	ExpectContinueTimeout time.Duration

	// DrainLimit is how many unread bytes of a response body Close reads
	// and discards to keep the connection; beyond it (or if they do not
	// arrive within a second) the connection is closed. Default 256 KiB, as
	// the server's Policy.DrainLimit.
	DrainLimit int64

	// MaxResponseHeaderBytes bounds a response head. Default 64 KiB.
	MaxResponseHeaderBytes int

	// DisableKeepAlives sends "Connection: close" and uses each connection
	// for one request.
	DisableKeepAlives bool

	// DisableTCPKeepAlive turns TCP keepalive probes off on dialed
	// connections. They are on by default: they find a server host that
	// crashed or became unreachable while a connection sat in the pool or
	// waited for a slow response, and keep NAT and firewall state alive.
	DisableTCPKeepAlive bool

	// TCPKeepAliveIdle is the quiet time before the first probe. Default
	// 30 s.
	TCPKeepAliveIdle time.Duration

	// TCPKeepAliveInterval is the time between unanswered probes. Default
	// 10 s.
	TCPKeepAliveInterval time.Duration

	// TCPKeepAliveCount is the number of unanswered probes after which the
	// server is declared dead: with the defaults, 70 s after it went
	// silent. Default 4.
	TCPKeepAliveCount int

	// TCPUserTimeout (Linux) bounds how long a sent request may stay
	// unacknowledged before the connection is dropped: keepalive probes
	// are not sent while data is in flight. Default: Idle + Interval×Count
	// (70 s); none when keepalive is disabled. Negative: the system's
	// value (about 15 minutes of retransmissions).
	TCPUserTimeout time.Duration

	initOnce sync.Once
	cfg      config // resolved at the first request, read-only after

	mu    sync.RWMutex
	hosts map[poolKey]*hostPool // guarded by mu

	stats counters
}

// Defaults of the Transport fields (the TCP keepalive ones are documented
// on the fields).
const (
	DefaultDialTimeout            = 30 * time.Second
	DefaultTLSHandshakeTimeout    = 10 * time.Second
	DefaultMaxIdlePerHost         = 64
	DefaultIdleTimeout            = 50 * time.Second
	DefaultMaxAge                 = time.Hour
	DefaultExpectContinueTimeout  = time.Second
	DefaultDrainLimit             = 256 << 10
	DefaultMaxResponseHeaderBytes = 64 << 10
)

// Hint margin parameters (see Transport.IdleTimeout) and the drain bound.
const (
	hintMinMargin = 500 * time.Millisecond
	drainTimeout  = time.Second
	maxInterim    = 8 // 1xx responses accepted before a final one
)

// config is a Transport with every default resolved: durations and counts
// are positive, or zero for "none".
type config struct {
	dial          func(ctx context.Context, network, addr string) (net.Conn, error)
	dialTimeout   time.Duration
	maxIdle       int
	maxConns      int
	idleTimeout   time.Duration
	maxAge        time.Duration
	maxRequests   int
	headerTimeout time.Duration
	continueWait  time.Duration
	drainLimit    int64
	maxHead       int
	keepAlivesOff bool
	sock          sockopt.Options
	tls           *tls.Config // the base of every connection's: ServerName is set per pool
	tlsTimeout    time.Duration
	proxy         func(*http.Request) (*url.URL, error)
}

func (t *Transport) init() {
	t.initOnce.Do(func() {
		t.cfg = config{
			dial:          t.DialContext,
			dialTimeout:   setting.Or(t.DialTimeout, DefaultDialTimeout),
			maxIdle:       setting.Or(t.MaxIdlePerHost, DefaultMaxIdlePerHost),
			maxConns:      setting.Or(t.MaxConnsPerHost, 0),
			idleTimeout:   setting.Or(t.IdleTimeout, DefaultIdleTimeout),
			maxAge:        setting.Or(t.MaxAge, DefaultMaxAge),
			maxRequests:   setting.Or(t.MaxRequestsPerConn, 0),
			headerTimeout: setting.Or(t.ResponseHeaderTimeout, 0),
			continueWait:  setting.Or(t.ExpectContinueTimeout, DefaultExpectContinueTimeout),
			drainLimit:    setting.Or(t.DrainLimit, DefaultDrainLimit),
			maxHead:       setting.Or(t.MaxResponseHeaderBytes, DefaultMaxResponseHeaderBytes),
			keepAlivesOff: t.DisableKeepAlives,
			sock: sockopt.Settings{
				KeepAliveOff: t.DisableTCPKeepAlive,
				Idle:         t.TCPKeepAliveIdle,
				Interval:     t.TCPKeepAliveInterval,
				Count:        t.TCPKeepAliveCount,
				UserTimeout:  t.TCPUserTimeout,
			}.Resolve(),
		}
		if t.cfg.dial == nil {
			d := &net.Dialer{KeepAlive: -1} // set by sockopt.Apply after the dial
			t.cfg.dial = d.DialContext
		}
		t.cfg.tls = clientTLS(t.TLSClientConfig)
		t.cfg.tlsTimeout = setting.Or(t.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
		t.cfg.proxy = t.Proxy
		t.hosts = make(map[poolKey]*hostPool)
	})
}

// RoundTrip sends one request and returns its response, whose Body streams
// from the connection: read it to the end, or close it, to let the
// connection serve the next request. It implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.init()
	h, err := t.hostFor(req)
	if err != nil {
		closeRequestBody(req)
		return nil, err
	}
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	t.stats.requests.Add(1)
	forceNew := false
	retryable, _ := canRetry(req, false)
	for {
		c, err := h.getConn(ctx, trace, forceNew, retryable)
		if err == errHostGone {
			if h, err = t.hostFor(req); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			closeRequestBody(req)
			return nil, err
		}
		resp, err := c.roundTrip(req, trace)
		if err == nil {
			return resp, nil
		}
		if !c.reuseFailed {
			return nil, err
		}
		t.stats.reuseFailures.Add(1)
		retry, why := canRetry(req, forceNew)
		if !retry {
			return nil, &reuseError{method: req.Method, why: why, idle: c.idleFor, err: err}
		}
		req, err = rewindBody(req)
		if err != nil {
			return nil, err
		}
		t.stats.retries.Add(1)
		forceNew = true
	}
}

// CloseIdleConnections closes the idle connections of every host;
// connections in use are not interrupted. http.Client calls it from its own
// CloseIdleConnections.
func (t *Transport) CloseIdleConnections() {
	t.init()
	for _, h := range t.hostPools() {
		h.closeIdle(CloseIdleConns)
		t.dropIfEmpty(h)
	}
}

// hostPools lists the host pools, so that they can be worked on without
// holding t.mu.
func (t *Transport) hostPools() []*hostPool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Collect(maps.Values(t.hosts))
}

// dropIfEmpty forgets a host that has no connection and no waiter, so that
// a client that talks to many hosts over time does not keep them all.
func (t *Transport) dropIfEmpty(h *hostPool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dead || !h.emptyLocked() {
		return
	}
	h.dead = true
	if t.hosts[h.key] == h {
		delete(t.hosts, h.key)
	}
}
