package proxy

import (
	"time"

	"holdfast/client"
)

// UpstreamStats describes one upstream: its health, the requests sent to
// it, and its pool of connections. Counters run from the proxy's start.
type UpstreamStats struct {
	URL     string `json:"url"`
	Healthy bool   `json:"healthy"`
	// Requests counts requests sent to the upstream (a request retried
	// elsewhere counts once here and once there).
	Requests uint64 `json:"requests"`
	InFlight int64  `json:"in_flight"`
	// ConnectionsOpened counts connections made to the upstream;
	// ConnectFailures the attempts that failed.
	ConnectionsOpened uint64 `json:"connections_opened"`
	ConnectFailures   uint64 `json:"connect_failures"`
	// Reused counts requests sent on a connection that had carried one
	// before: the work keep-alive saved. Reused / Requests is the reuse
	// ratio.
	Reused uint64 `json:"reused"`
	// Retries counts requests sent to the upstream again after a failure:
	// on a new connection after a reused one was closed under them, or
	// here after failing on another upstream.
	Retries uint64 `json:"retries"`
	// Open, Idle and Active are the connections now: all of them, those
	// waiting in the pool, and those carrying a request.
	Open   int64 `json:"open"`
	Idle   int   `json:"idle"`
	Active int   `json:"active"`
	// Closed counts closed connections by reason (every reason present);
	// "stale" counts those found closed by the upstream before reuse.
	Closed map[client.CloseReason]uint64 `json:"closed"`
	// BadGateway and GatewayTimeout count the 502 and 504 answers that
	// this upstream caused.
	BadGateway     uint64 `json:"bad_gateway"`
	GatewayTimeout uint64 `json:"gateway_timeout"`
	// Ejections counts the times passive health took the upstream out of
	// the balancing; EjectedFor is how long the current one has to run.
	Ejections  uint64  `json:"ejections"`
	EjectedFor float64 `json:"ejected_for_seconds"`
	// HealthCheckFailed says the last active health check failed.
	HealthCheckFailed bool `json:"health_check_failed"`
	// Tunnels are the WebSocket tunnels open now, and opened in all.
	Tunnels       int64  `json:"tunnels"`
	TunnelsOpened uint64 `json:"tunnels_opened"`
	// Pool is the upstream's client.Transport's own snapshot, from which
	// the figures above come (for metrics.NewUpstreamCollector).
	Pool client.TransportStats `json:"-"`
}

func (u *upstream) stats() UpstreamStats {
	ts := u.tr.Stats()
	hs := ts.Hosts[u.url.Host]
	s := UpstreamStats{
		URL:               u.name,
		Healthy:           u.healthy(),
		Requests:          ts.Requests,
		InFlight:          u.inFlight.Load(),
		ConnectionsOpened: ts.Dials - ts.DialErrors,
		ConnectFailures:   u.connectFailures.Load(),
		Reused:            ts.Reuses,
		Retries:           ts.Retries + u.retries.Load(),
		Open:              ts.ConnectionsOpen,
		Idle:              hs.Idle,
		Active:            hs.Active,
		Closed:            ts.Closed,
		BadGateway:        u.badGateway.Load(),
		GatewayTimeout:    u.timeouts.Load(),
		Ejections:         u.ejections.Load(),
		HealthCheckFailed: u.checkFailed.Load(),
		Tunnels:           u.tunnels.Load(),
		TunnelsOpened:     u.tunnelsOpened.Load(),
		Pool:              ts,
	}
	if until := u.ejectedUntil.Load(); until != 0 {
		s.EjectedFor = max(time.Duration(until-monotime()), 0).Seconds()
	}
	return s
}
