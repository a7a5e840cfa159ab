package holdfast

import (
	"time"

	"holdfast/internal/setting"
	"holdfast/internal/sockopt"
)

// A Toggle is an on/off setting whose zero value means "the default", so
// that a Policy literal that names only some fields keeps the documented
// defaults of the others.
type Toggle int8

const (
	Default Toggle = iota // the field's documented default
	On
	Off
)

func (t Toggle) or(def bool) bool {
	switch t {
	case On:
		return true
	case Off:
		return false
	}
	return def
}

// Policy is the keep-alive policy: when a connection is kept, for how long,
// and how a dead peer is found. The zero Policy is the default policy.
//
// For every duration and count, zero means the default documented on the
// field and a negative value means "no limit" (or "leave the system's value"
// for the TCP options).
type Policy struct {
	// KeepAlive turns persistent connections on or off. On, a connection is
	// kept after a response when the client allows it: an HTTP/1.1 request
	// unless it says Connection: close, an HTTP/1.0 request only if it says
	// Connection: keep-alive. Off, every connection serves one request:
	// every response carries Connection: close. Default On.
	KeepAlive Toggle

	// IdleTimeout is the hold time: how long an idle connection is kept
	// waiting for its next request. Default 75 s, above the idle timeouts of
	// common load balancers (60 s for AWS ALB, nginx's keepalive_timeout is
	// 75 s), so that the balancer, not the server, closes first and never
	// sends a request into a connection the server is closing.
	IdleTimeout time.Duration

	// HeaderTimeout bounds the time from the first byte of a request head to
	// its last. A client that trickles its head (slowloris) is answered 408
	// and closed. Default 20 s: a real client sends its head in one packet;
	// 20 s leaves room for a slow mobile link.
	HeaderTimeout time.Duration

	// BodyTimeout bounds the wait for the next bytes of a request body.
	// A client that stops sending mid-upload is answered 408 (if nothing
	// was sent yet) and closed. Default 60 s (nginx's client_body_timeout).
	BodyTimeout time.Duration

	// SendTimeout bounds a write to the client that makes no progress: a
	// client that stops reading is closed instead of blocking its handler
	// forever. Default 60 s (nginx's send_timeout).
	SendTimeout time.Duration

	// MaxRequests caps the requests served on one connection; the response
	// to the last carries Connection: close. Default 1000 (nginx's
	// keepalive_requests): high enough that connection setup is amortised,
	// low enough that per-connection memory is returned now and then.
	MaxRequests int

	// MaxAge caps a connection's lifetime; the first response after it
	// passes carries Connection: close. Default 1 h (nginx's
	// keepalive_time), so that clients re-resolve and re-balance.
	MaxAge time.Duration

	// AdvertiseKeepAlive sends "Keep-Alive: timeout=T, max=M" on
	// persistent responses, so clients can retire a connection before the
	// server does instead of racing it. T is never above the real remaining
	// hold time, M counts down. Default On.
	AdvertiseKeepAlive Toggle

	// DrainLimit is how many bytes of a request body the handler left
	// unread the server will read and discard to keep the connection;
	// beyond it the connection is closed. Default 256 KiB: reading that much
	// costs less than a new connection; reading an upload of gigabytes does
	// not.
	DrainLimit int64

	// MinBodyRate is the least rate, in bytes per second, at which a
	// request body must arrive once the handler reads it: after a grace of
	// one second, a body whose bytes so far came slower is answered 408
	// and closed (CloseSlowBody). It is checked between reads, so a client
	// that trickles a byte now and then — which BodyTimeout, a bound on
	// each wait, lets through — is refused too. Default: no minimum.
	MinBodyRate int64

	// MaxConns caps the server's open connections (both engines, HTTP/1.x
	// and HTTPS alike). As the count nears it, idle connections are held
	// for less time (see HoldTime, and the Keep-Alive hint says so); at
	// it, the connection that has been idle longest is closed to admit a
	// new one (CloseShed) — never one with a request in flight — and when
	// none is idle, new connections wait in the listen backlog until one
	// closes. Default: no cap (the process's descriptor limit is the cap;
	// running out of descriptors also sheds idle connections).
	MaxConns int

	// MaxConnsPerIP caps the open connections of one client address: a
	// connection beyond it is answered 429 at once and closed
	// (CloseIPLimit). Default: no cap.
	MaxConnsPerIP int

	// HandshakeTimeout bounds a TLS handshake, from accept to the
	// handshake's end. A client that stops mid-handshake, or connects and
	// sends nothing, is closed when it passes (CloseHandshakeTimeout); on
	// the epoll engine the goroutine that runs the handshake ends with it.
	// Default 10 s: a real handshake takes two or three round trips.
	HandshakeTimeout time.Duration

	// TCPKeepAlive turns TCP keepalive probes on accepted sockets on or
	// off. Default On: probes find peers that crashed or became
	// unreachable, and keep NAT and firewall state alive during long
	// responses.
	TCPKeepAlive Toggle

	// TCPKeepAliveIdle is the quiet time before the first probe. Default
	// 30 s: below the idle timeouts of NATs and middleboxes (often 60 s to
	// 5 min), and short enough to find a dead peer before the 75 s hold time.
	// The classic values are 2 h, 75 s and 10 probes: see ClassicTCPKeepAlive.
	TCPKeepAliveIdle time.Duration

	// TCPKeepAliveInterval is the time between unanswered probes. Default 10 s.
	TCPKeepAliveInterval time.Duration

	// TCPKeepAliveCount is the number of unanswered probes after which the
	// peer is declared dead. Default 4: a dead peer is found 30+4×10 = 70 s
	// after it went silent.
	TCPKeepAliveCount int

	// TCPUserTimeout (Linux) bounds how long sent data may stay
	// unacknowledged before the connection is dropped. Keepalive probes are
	// not sent while data is in flight, so without it a write to a vanished
	// peer is retried for about 15 minutes. Default: Idle + Interval×Count
	// (70 s), which also keeps the kernel's keepalive verdict unchanged.
	TCPUserTimeout time.Duration
}

// ClassicTCPKeepAlive returns p with the classic TCP keepalive values, as
// TCP/IP Illustrated describes them: the first probe after 2 hours of
// silence (the least RFC 1122 allows as a default), then probes 75 s
// apart, the peer declared dead after 10 unanswered ones (Linux's own
// default count is 9), and no TCP_USER_TIMEOUT. A dead peer is then found
// about 2 h 12 min after it went silent, instead of 70 s.
func (p Policy) ClassicTCPKeepAlive() Policy {
	p.TCPKeepAlive = On
	p.TCPKeepAliveIdle = 2 * time.Hour
	p.TCPKeepAliveInterval = 75 * time.Second
	p.TCPKeepAliveCount = 10
	p.TCPUserTimeout = -1
	return p
}

// Defaults of the Policy fields.
const (
	DefaultIdleTimeout          = 75 * time.Second
	DefaultHeaderTimeout        = 20 * time.Second
	DefaultBodyTimeout          = 60 * time.Second
	DefaultSendTimeout          = 60 * time.Second
	DefaultMaxRequests          = 1000
	DefaultMaxAge               = time.Hour
	DefaultDrainLimit           = 256 << 10
	DefaultHandshakeTimeout     = 10 * time.Second
	DefaultTCPKeepAliveIdle     = sockopt.DefaultIdle
	DefaultTCPKeepAliveInterval = sockopt.DefaultInterval
	DefaultTCPKeepAliveCount    = sockopt.DefaultCount
)

// policy is a Policy with every default resolved: durations and counts are
// either positive or zero for "no limit". Engines read only this.
type policy struct {
	keepAlive     bool
	idleTimeout   time.Duration
	headerTimeout time.Duration
	bodyTimeout   time.Duration
	sendTimeout   time.Duration
	maxRequests   int
	maxAge        time.Duration
	advertise     bool
	drainLimit    int64
	handshake     time.Duration
	minBodyRate   int64
	maxConns      int
	maxConnsPerIP int
	sock          sockopt.Options
}

func (p Policy) resolve() policy {
	return policy{
		keepAlive:     p.KeepAlive.or(true),
		idleTimeout:   setting.Or(p.IdleTimeout, DefaultIdleTimeout),
		headerTimeout: setting.Or(p.HeaderTimeout, DefaultHeaderTimeout),
		bodyTimeout:   setting.Or(p.BodyTimeout, DefaultBodyTimeout),
		sendTimeout:   setting.Or(p.SendTimeout, DefaultSendTimeout),
		maxRequests:   setting.Or(p.MaxRequests, DefaultMaxRequests),
		maxAge:        setting.Or(p.MaxAge, DefaultMaxAge),
		advertise:     p.AdvertiseKeepAlive.or(true),
		drainLimit:    setting.Or(p.DrainLimit, DefaultDrainLimit),
		handshake:     setting.Or(p.HandshakeTimeout, DefaultHandshakeTimeout),
		minBodyRate:   max(p.MinBodyRate, 0),
		maxConns:      max(p.MaxConns, 0),
		maxConnsPerIP: max(p.MaxConnsPerIP, 0),
		sock: sockopt.Settings{
			KeepAliveOff: !p.TCPKeepAlive.or(true),
			Idle:         p.TCPKeepAliveIdle,
			Interval:     p.TCPKeepAliveInterval,
			Count:        p.TCPKeepAliveCount,
			UserTimeout:  p.TCPUserTimeout,
		}.Resolve(),
	}
}

// Resolved returns the policy in force under p: every field left to its
// default holds the default's value, every Toggle is On or Off, and a
// limit that is off is -1.
func (p Policy) Resolved() Policy {
	r := p.resolve()
	return Policy{
		KeepAlive:            toggle(r.keepAlive),
		IdleTimeout:          noneIfZero(r.idleTimeout),
		HeaderTimeout:        noneIfZero(r.headerTimeout),
		BodyTimeout:          noneIfZero(r.bodyTimeout),
		SendTimeout:          noneIfZero(r.sendTimeout),
		MaxRequests:          noneIfZero(r.maxRequests),
		MaxAge:               noneIfZero(r.maxAge),
		AdvertiseKeepAlive:   toggle(r.advertise),
		DrainLimit:           noneIfZero(r.drainLimit),
		MinBodyRate:          noneIfZero(r.minBodyRate),
		MaxConns:             noneIfZero(r.maxConns),
		MaxConnsPerIP:        noneIfZero(r.maxConnsPerIP),
		TCPKeepAlive:         toggle(r.sock.KeepAlive),
		TCPKeepAliveIdle:     r.sock.Idle,
		TCPKeepAliveInterval: r.sock.Interval,
		TCPKeepAliveCount:    r.sock.Count,
		TCPUserTimeout:       noneIfZero(r.sock.UserTimeout),
	}
}

func toggle(on bool) Toggle {
	if on {
		return On
	}
	return Off
}

// noneIfZero turns a resolved "none" (zero) back into the public -1.
func noneIfZero[T ~int | ~int64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
