package proxy

import (
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"holdfast/client"
	"holdfast/internal/setting"
)

// upstream is one server requests are passed to: its pool of connections
// (a client.Transport of its own, shared by every request whatever loop or
// core serves it) and its health.
type upstream struct {
	url  *url.URL          // read-only
	name string            // the URL as configured, for logs and stats; read-only
	tr   *client.Transport // the pool; safe for concurrent use
	log  *slog.Logger

	ejectAfter int32 // read-only: connect failures in a row before ejection

	inFlight        atomic.Int64  // requests sent and not finished (balancing)
	retries         atomic.Uint64 // requests sent here again after failing (here or elsewhere)
	tunnels         atomic.Int64  // WebSocket tunnels open
	tunnelsOpened   atomic.Uint64 // WebSocket tunnels opened
	badGateway      atomic.Uint64 // 502 answers blamed on it
	timeouts        atomic.Uint64 // 504 answers blamed on it
	connectFailures atomic.Uint64 // failed connection attempts
	failsInRow      atomic.Int32  // failed connection attempts since the last success
	ejections       atomic.Uint64 // times taken out of the balancing
	ejectedUntil    atomic.Int64  // monotonic ns; 0 when not ejected
	checkFailed     atomic.Bool   // the last active health check failed

	mu       sync.Mutex
	cooldown time.Duration // guarded by mu: the last ejection's; 0 after a success
}

func newUpstream(u *url.URL, name string, cfg *config) *upstream {
	return &upstream{
		url:        u,
		name:       name,
		tr:         newTransport(cfg),
		log:        cfg.log,
		ejectAfter: int32(cfg.ejectAfter),
	}
}

// newTransport makes an upstream's pool from the Config's fields.
func newTransport(cfg *config) *client.Transport {
	return &client.Transport{
		DialTimeout:           setting.Or(cfg.DialTimeout, DefaultDialTimeout),
		MaxIdlePerHost:        cfg.MaxIdle,
		MaxConnsPerHost:       cfg.MaxConns,
		IdleTimeout:           orNone(cfg.IdleTimeout, DefaultIdleTimeout),
		ResponseHeaderTimeout: orNone(cfg.Timeout, DefaultTimeout),
		DisableTCPKeepAlive:   cfg.DisableTCPKeepAlive,
		TCPKeepAliveIdle:      cfg.TCPKeepAliveIdle,
		TCPKeepAliveInterval:  cfg.TCPKeepAliveInterval,
		TCPKeepAliveCount:     cfg.TCPKeepAliveCount,
		TCPUserTimeout:        cfg.TCPUserTimeout,
	}
}

// orNone turns the proxy's default for a zero field into the Transport's
// spelling: a positive value, or negative for none.
func orNone(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// healthy reports whether the upstream takes requests: no failed active
// check, and no ejection still cooling down. The clock is read only while
// an ejection is on.
func (u *upstream) healthy() bool {
	if u.checkFailed.Load() {
		return false
	}
	until := u.ejectedUntil.Load()
	return until == 0 || monotime() >= until
}

// connectFailed counts a failed connection attempt, and ejects the
// upstream after ejectAfter in a row. Once the cool-down has passed the
// upstream is tried again; a failure then ejects it at once, for twice as
// long (up to maxCooldown).
func (u *upstream) connectFailed() {
	u.connectFailures.Add(1)
	if u.failsInRow.Add(1) < u.ejectAfter {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	now := monotime()
	if until := u.ejectedUntil.Load(); until != 0 && now < until {
		return // ejected already, by a request that failed meanwhile
	}
	u.cooldown = min(max(2*u.cooldown, firstCooldown), maxCooldown)
	u.ejectedUntil.Store(now + int64(u.cooldown))
	u.ejections.Add(1)
	u.log.Warn("proxy: upstream ejected", "upstream", u.name, "for", u.cooldown, "failed_in_a_row", u.failsInRow.Load())
}

// connected notes a connection attempt that succeeded (or a reused
// connection that answered): the failure count and the cool-down start
// over.
func (u *upstream) connected() {
	if u.failsInRow.Load() == 0 && u.ejectedUntil.Load() == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ejectedUntil.Load() != 0 {
		u.log.Info("proxy: upstream answers again", "upstream", u.name)
	}
	u.failsInRow.Store(0)
	u.ejectedUntil.Store(0)
	u.cooldown = 0
}

// epoch is the origin of monotime.
var epoch = time.Now()

// monotime is the monotonic clock in ns since epoch.
func monotime() int64 { return int64(time.Since(epoch)) }
