package proxy

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"holdfast"
	"holdfast/internal/ratelog"
	"holdfast/internal/setting"
)

// Config is a reverse proxy's configuration: its upstreams, how it picks
// one, and the policy of its connections to them. Only Upstreams is
// required.
//
// For every duration and count, zero means the default documented on the
// field and a negative value means "none", as in holdfast.Policy and
// client.Transport.
type Config struct {
	// Upstreams are the servers requests are passed to, as
	// http://host[:port][/path] URLs; a path is put before every
	// request's path.
	Upstreams []string

	// Balance picks an upstream for each request. Default RandomTwo.
	Balance Balance

	// PreserveHost sends the client's Host field upstream instead of the
	// upstream URL's host.
	PreserveHost bool

	// IdleTimeout is how long a connection to an upstream is kept idle
	// in its pool. Default 4 s: under the hold times of common backends
	// (Node's and Apache's 5 s, uvicorn's 5 s, nginx's 75 s), so that the
	// proxy retires a connection before the upstream closes it. An
	// upstream's "Keep-Alive: timeout=" wins when it is shorter (less a
	// margin, see client.Transport.IdleTimeout). Set it below the hold
	// time of any backend that keeps connections for less and does not
	// say so (gunicorn: 2 s).
	IdleTimeout time.Duration

	// MaxIdle caps each upstream's idle connections. Default 64.
	MaxIdle int

	// MaxConns caps each upstream's connections, idle and busy; a request
	// beyond it waits for one. Default: no cap.
	MaxConns int

	// Timeout bounds the wait for an upstream's response head once the
	// request is sent; beyond it the client gets 504. Default 60 s
	// (nginx's proxy_read_timeout).
	Timeout time.Duration

	// DialTimeout bounds a connection attempt to an upstream. Default 5 s.
	DialTimeout time.Duration

	// Retries is how many more times a request that failed may be sent,
	// to another upstream when there is one (see Proxy for when a request
	// may be sent again). Default 2.
	Retries int

	// ReplayBuffer is how much of a request body is kept so that the
	// request can be sent again; a request that has sent more is not
	// retried. Default 64 KiB.
	ReplayBuffer int64

	// EjectAfter is how many connection attempts in a row may fail before
	// an upstream is taken out of the balancing. It is tried again after a
	// cool-down of 1 s, doubled at each ejection in a row up to 30 s.
	// Default 3.
	EjectAfter int

	// HealthPath, when set, turns on active health checks: every
	// HealthInterval a GET of this path is sent to each upstream on a
	// connection of its own, and an upstream whose answer is not 2xx or
	// 3xx, or that does not answer within the interval, is out of the
	// balancing until a check passes.
	HealthPath string

	// HealthInterval is the time between active health checks. Default 5 s.
	HealthInterval time.Duration

	// DisableTCPKeepAlive turns TCP keepalive probes off on connections to
	// upstreams. They are on by default, with the client.Transport's
	// defaults for the three fields below.
	DisableTCPKeepAlive  bool
	TCPKeepAliveIdle     time.Duration
	TCPKeepAliveInterval time.Duration
	TCPKeepAliveCount    int

	// TCPUserTimeout (Linux) bounds how long a request sent upstream may
	// stay unacknowledged. Default: as client.Transport's.
	TCPUserTimeout time.Duration

	// ErrorLog receives a record per failed request (message "proxy:
	// request failed", level Error: the upstream, whether its connection
	// was reused, the attempts, the cause) and one per health change
	// (ejected, answers again, fails or passes its check). Each kind of
	// record (its message) is rate limited as holdfast.Server's ErrorLog
	// is: at most one per holdfast.ErrorLogInterval, the next one counting
	// those dropped (attribute "suppressed"). nil means slog.Default().
	ErrorLog *slog.Logger
}

// Defaults of the Config fields.
const (
	DefaultIdleTimeout    = 4 * time.Second
	DefaultMaxIdle        = 64
	DefaultTimeout        = 60 * time.Second
	DefaultDialTimeout    = 5 * time.Second
	DefaultRetries        = 2
	DefaultReplayBuffer   = 64 << 10
	DefaultEjectAfter     = 3
	DefaultHealthInterval = 5 * time.Second
)

// Cool-down of an ejected upstream: the first, and the longest.
const (
	firstCooldown = time.Second
	maxCooldown   = 30 * time.Second
)

// config is a Config with every default resolved: durations and counts are
// positive, or zero for "none".
type config struct {
	Config
	retries        int
	replayBuffer   int64
	ejectAfter     int
	healthInterval time.Duration
	log            *slog.Logger // ErrorLog, rate limited
}

func (c Config) resolve() config {
	r := config{
		Config:         c,
		retries:        setting.Or(c.Retries, DefaultRetries),
		replayBuffer:   setting.Or(c.ReplayBuffer, DefaultReplayBuffer),
		ejectAfter:     setting.Or(c.EjectAfter, DefaultEjectAfter),
		healthInterval: setting.Or(c.HealthInterval, DefaultHealthInterval),
	}
	l := c.ErrorLog
	if l == nil {
		l = slog.Default()
	}
	r.log = slog.New(ratelog.New(l.Handler(), holdfast.ErrorLogInterval))
	return r
}

// parseUpstream checks an upstream URL.
func parseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w %q: %v", ErrBadUpstream, raw, err)
	case u.Scheme != "http":
		return nil, fmt.Errorf("%w %q: want http://host[:port][/path]", ErrBadUpstream, raw)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%w %q: want http://host[:port][/path], nothing more", ErrBadUpstream, raw)
	}
	return u, nil
}
