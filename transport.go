package holdfast

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"holdfast/internal/sockopt"
)

// Transport is an http.RoundTripper for HTTP/1.x over plain TCP whose
// connection pool reuses persistent connections safely. The zero value is
// ready to use:
//
//	client := &http.Client{Transport: &holdfast.Transport{}}
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
// httptrace.ClientTrace hooks fire as with net/http: GetConn, GotConn (with
// Reused, WasIdle and IdleTime), PutIdleConn, WroteHeaderField,
// WroteHeaders, Wait100Continue, Got100Continue, Got1xxResponse,
// WroteRequest and GotFirstResponseByte from the Transport; ConnectStart,
// ConnectDone and the DNS hooks from net.Dialer, which finds the trace in
// the request's context (a custom DialContext fires them if it dials with
// that context through a net.Dialer).
//
// Fields follow Policy's convention: zero means the default documented on
// the field, a negative value means "none". Fields must not be changed after
// the first request. The Transport does not speak TLS (https fails with
// ErrTLSUnsupported), HTTP/2, or through proxies (http.ProxyFromEnvironment
// is not consulted), and it never adds Accept-Encoding nor decompresses.
type Transport struct {
	// DialContext dials the TCP connections. Default: net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// DialTimeout bounds a dial. Default 30 s.
	DialTimeout time.Duration

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
	// re-resolves and re-balances now and then. Default 1 h, the server's
	// DefaultMaxAge.
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

	// TCP keepalive and TCP_USER_TIMEOUT on every dialed connection, with
	// the meaning and the defaults of the Policy fields of the same names
	// (keepalive on, 30 s idle, 10 s interval, 4 probes, user timeout 70 s).
	TCPKeepAlive         Toggle
	TCPKeepAliveIdle     time.Duration
	TCPKeepAliveInterval time.Duration
	TCPKeepAliveCount    int
	TCPUserTimeout       time.Duration

	initOnce sync.Once
	cfg      tconfig // resolved at the first request, read-only after

	mu    sync.RWMutex
	hosts map[string]*thost // guarded by mu; keyed by URL.Host

	stats tstats
}

// Defaults of the Transport fields that have no Policy counterpart.
const (
	DefaultDialTimeout            = 30 * time.Second
	DefaultMaxIdlePerHost         = 64
	DefaultTransportIdleTimeout   = 50 * time.Second
	DefaultExpectContinueTimeout  = time.Second
	DefaultMaxResponseHeaderBytes = 64 << 10
)

// Hint margin parameters (see Transport.IdleTimeout) and the drain bound.
const (
	tHintMinMargin = 500 * time.Millisecond
	tDrainTimeout  = time.Second
	tMaxInterim    = 8 // 1xx responses accepted before a final one
)

// tconfig is a Transport with every default resolved: durations and counts
// are positive, or zero for "none".
type tconfig struct {
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
}

func (t *Transport) init() {
	t.initOnce.Do(func() {
		p := Policy{
			TCPKeepAlive:         t.TCPKeepAlive,
			TCPKeepAliveIdle:     t.TCPKeepAliveIdle,
			TCPKeepAliveInterval: t.TCPKeepAliveInterval,
			TCPKeepAliveCount:    t.TCPKeepAliveCount,
			TCPUserTimeout:       t.TCPUserTimeout,
		}.resolve()
		t.cfg = tconfig{
			dial:          t.DialContext,
			dialTimeout:   durOr(t.DialTimeout, DefaultDialTimeout),
			maxIdle:       intOr(t.MaxIdlePerHost, DefaultMaxIdlePerHost),
			maxConns:      intOr(t.MaxConnsPerHost, 0),
			idleTimeout:   durOr(t.IdleTimeout, DefaultTransportIdleTimeout),
			maxAge:        durOr(t.MaxAge, DefaultMaxAge),
			maxRequests:   intOr(t.MaxRequestsPerConn, 0),
			headerTimeout: durOr(t.ResponseHeaderTimeout, 0),
			continueWait:  durOr(t.ExpectContinueTimeout, DefaultExpectContinueTimeout),
			drainLimit:    int64(intOr(int(t.DrainLimit), DefaultDrainLimit)),
			maxHead:       intOr(t.MaxResponseHeaderBytes, DefaultMaxResponseHeaderBytes),
			keepAlivesOff: t.DisableKeepAlives,
			sock:          p.sock,
		}
		if t.cfg.dial == nil {
			d := &net.Dialer{KeepAlive: -1} // set by sockopt below, like the server's
			t.cfg.dial = d.DialContext
		}
		t.hosts = make(map[string]*thost)
	})
}

// RoundTrip sends one request and returns its response, whose Body streams
// from the connection: read it to the end, or close it, to let the
// connection serve the next request. It implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.init()
	h, err := t.hostFor(req)
	if err != nil {
		tcloseReqBody(req)
		return nil, err
	}
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	t.stats.requests.Add(1)
	forceNew := false
	retryable, _ := tcanRetry(req, false)
	for {
		c, err := h.getConn(ctx, trace, forceNew, retryable)
		if err == errTHostGone {
			if h, err = t.hostFor(req); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			tcloseReqBody(req)
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
		retry, why := tcanRetry(req, forceNew)
		if !retry {
			return nil, &treuseError{method: req.Method, why: why, idle: c.idleFor, err: err}
		}
		req, err = trewind(req)
		if err != nil {
			return nil, err
		}
		t.stats.retries.Add(1)
		forceNew = true
	}
}

// tcanRetry says whether a request that failed on a reused connection
// before any response byte may be sent again, and if not, why.
func tcanRetry(req *http.Request, retried bool) (bool, string) {
	switch {
	case retried:
		return false, "it was already retried once"
	case !tidempotent(req):
		return false, req.Method + " is not idempotent and has no Idempotency-Key"
	case req.Body != nil && req.Body != http.NoBody && req.GetBody == nil:
		return false, "its body cannot be replayed (no GetBody)"
	}
	return true, ""
}

func tidempotent(req *http.Request) bool {
	switch req.Method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	_, ok := req.Header["Idempotency-Key"]
	if !ok {
		_, ok = req.Header["X-Idempotency-Key"]
	}
	return ok
}

// trewind returns a copy of req with a fresh body from GetBody.
func trewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("holdfast: replaying the request body: %w", err)
	}
	r := *req
	r.Body = body
	return &r, nil
}

func tcloseReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// treuseError is the error of a request that failed on a reused connection
// and was not retried.
type treuseError struct {
	method string
	why    string
	idle   time.Duration
	err    error
}

func (e *treuseError) Error() string {
	return fmt.Sprintf("%v: %s request not retried because %s (the connection had been idle %v): %v",
		ErrReusedConnClosed, e.method, e.why, e.idle.Round(time.Millisecond), e.err)
}

func (e *treuseError) Unwrap() []error { return []error{ErrReusedConnClosed, e.err} }

// hostFor finds or makes the pool of the request's host.
func (t *Transport) hostFor(req *http.Request) (*thost, error) {
	u := req.URL
	if u == nil {
		return nil, errors.New("holdfast: nil Request.URL")
	}
	switch u.Scheme {
	case "http":
	case "https":
		return nil, ErrTLSUnsupported
	default:
		return nil, fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("holdfast: no Host in request URL")
	}
	t.mu.RLock()
	h := t.hosts[u.Host]
	t.mu.RUnlock()
	if h != nil {
		return h, nil
	}
	return t.newHost(u.Host)
}

func (t *Transport) newHost(key string) (*thost, error) {
	addr := key
	host, port, err := net.SplitHostPort(key)
	if err != nil || port == "" {
		// No port: the URL's host is the whole key, brackets and all.
		host = key
		if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
			host = host[1 : len(host)-1]
		}
		addr = net.JoinHostPort(host, "80")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.hosts[key]; h != nil {
		return h, nil
	}
	h := &thost{t: t, key: key, addr: addr}
	t.hosts[key] = h
	return h, nil
}

// CloseIdleConnections closes the idle connections of every host;
// connections in use are not interrupted. http.Client calls it from its own
// CloseIdleConnections.
func (t *Transport) CloseIdleConnections() {
	t.init()
	t.mu.Lock()
	hosts := make([]*thost, 0, len(t.hosts))
	for _, h := range t.hosts {
		hosts = append(hosts, h)
	}
	t.mu.Unlock()
	for _, h := range hosts {
		h.closeIdle(CloseIdleConns)
		t.dropIfEmpty(h)
	}
}

// dropIfEmpty forgets a host that has no connection and no waiter, so that
// a client that talks to many hosts over time does not keep them all.
func (t *Transport) dropIfEmpty(h *thost) {
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
