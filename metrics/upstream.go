package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"holdfast/client"
)

// Health is what a health check last said of an upstream.
type Health int8

const (
	// HealthUnknown: nothing checks the upstream; no up metric is sent.
	HealthUnknown Health = iota
	HealthUp
	HealthDown
)

// UpstreamStats are one upstream's figures: the counters of the client
// that talks to it, and its health.
type UpstreamStats struct {
	// Name is the upstream label's value; each upstream of a collector
	// needs its own.
	Name string
	client.TransportStats
	Health Health
}

// upstreamCollector turns upstreams' figures into metrics.
type upstreamCollector struct {
	list func() []UpstreamStats
}

// NewUpstreamCollector returns a collector of the upstreams list returns
// when scraped (a proxy's, say), each labelled upstream="Name".
func NewUpstreamCollector(list func() []UpstreamStats) prometheus.Collector {
	return upstreamCollector{list: list}
}

// NewTransportCollector returns a collector of one Transport's figures,
// labelled upstream=name; its host pools are labelled by host too.
func NewTransportCollector(name string, t *client.Transport) prometheus.Collector {
	return NewUpstreamCollector(func() []UpstreamStats {
		return []UpstreamStats{{Name: name, TransportStats: t.Stats()}}
	})
}

var (
	upstreamLabel = []string{"upstream"}

	upstreamRequests = prometheus.NewDesc("holdfast_upstream_requests_total",
		"Requests sent to the upstream (RoundTrip calls).", upstreamLabel, nil)
	upstreamOpened = prometheus.NewDesc("holdfast_upstream_connections_opened_total",
		"Connections dialed to the upstream.", upstreamLabel, nil)
	upstreamDialErrors = prometheus.NewDesc("holdfast_upstream_dial_errors_total",
		"Dials to the upstream that failed.", upstreamLabel, nil)
	upstreamReused = prometheus.NewDesc("holdfast_upstream_requests_reused_total",
		"Requests sent on a connection that had served one before.", upstreamLabel, nil)
	upstreamReuseFailures = prometheus.NewDesc("holdfast_upstream_reuse_failures_total",
		"Requests that failed on a reused connection before any response byte: the reuse race, lost.", upstreamLabel, nil)
	upstreamRetries = prometheus.NewDesc("holdfast_upstream_retries_total",
		"Requests sent again on a new connection after a lost reuse race.", upstreamLabel, nil)
	upstreamWaits = prometheus.NewDesc("holdfast_upstream_waits_total",
		"Requests that waited for a connection because the host's connection cap was reached.", upstreamLabel, nil)
	upstreamOpen = prometheus.NewDesc("holdfast_upstream_connections_open",
		"Open connections to the upstream.", upstreamLabel, nil)
	upstreamClosed = prometheus.NewDesc("holdfast_upstream_connections_closed_total",
		"Connections to the upstream closed, by the reason they closed.", []string{"upstream", "reason"}, nil)
	upstreamPool = prometheus.NewDesc("holdfast_upstream_pool_connections",
		"Connections of a host's pool, by state: idle, active (carrying a request) or dialing.", []string{"upstream", "host", "state"}, nil)
	upstreamPoolWaiting = prometheus.NewDesc("holdfast_upstream_pool_waiting_requests",
		"Requests waiting for a connection of a host's pool.", []string{"upstream", "host"}, nil)
	upstreamUp = prometheus.NewDesc("holdfast_upstream_up",
		"Whether the upstream's last health check passed (1) or failed (0).", upstreamLabel, nil)
)

func (upstreamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upstreamRequests, upstreamOpened, upstreamDialErrors, upstreamReused,
		upstreamReuseFailures, upstreamRetries, upstreamWaits, upstreamOpen, upstreamClosed,
		upstreamPool, upstreamPoolWaiting, upstreamUp} {
		ch <- d
	}
}

// Collect reads the upstreams once and sends their metrics.
func (c upstreamCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.list() {
		collectUpstream(ch, &u)
	}
}

func collectUpstream(ch chan<- prometheus.Metric, u *UpstreamStats) {
	name := u.Name
	counter(ch, upstreamRequests, u.Requests, name)
	counter(ch, upstreamOpened, u.Dials, name)
	counter(ch, upstreamDialErrors, u.DialErrors, name)
	counter(ch, upstreamReused, u.Reuses, name)
	counter(ch, upstreamReuseFailures, u.ReuseFailures, name)
	counter(ch, upstreamRetries, u.Retries, name)
	counter(ch, upstreamWaits, u.Waits, name)
	gauge(ch, upstreamOpen, float64(u.ConnectionsOpen), name)
	for _, r := range client.CloseReasons() {
		counter(ch, upstreamClosed, u.Closed[r], name, r.String())
	}
	for host, h := range u.Hosts {
		gauge(ch, upstreamPool, float64(h.Idle), name, host, "idle")
		gauge(ch, upstreamPool, float64(h.Active), name, host, "active")
		gauge(ch, upstreamPool, float64(h.Dialing), name, host, "dialing")
		gauge(ch, upstreamPoolWaiting, float64(h.Waiting), name, host)
	}
	switch u.Health {
	case HealthUp:
		gauge(ch, upstreamUp, 1, name)
	case HealthDown:
		gauge(ch, upstreamUp, 0, name)
	}
}
