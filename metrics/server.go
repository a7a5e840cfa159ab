package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
)

// ServerSource is what the server collector reads; *holdfast.Server is
// one.
type ServerSource interface {
	Stats() holdfast.Stats
}

// serverCollector turns a server's Stats into metrics.
type serverCollector struct {
	src ServerSource
}

// NewServerCollector returns a collector of a server's connections and
// requests. To tell several servers apart, wrap each in a label
// (prometheus.WrapCollectorWith).
func NewServerCollector(src ServerSource) prometheus.Collector {
	return serverCollector{src: src}
}

var (
	connectionsOpen = prometheus.NewDesc("holdfast_connections_open",
		"Open connections, by state.", []string{"state"}, nil)
	connectionsAccepted = prometheus.NewDesc("holdfast_connections_accepted_total",
		"Connections accepted.", nil, nil)
	connectionsClosed = prometheus.NewDesc("holdfast_connections_closed_total",
		"Connections closed, by the reason they closed.", []string{"reason"}, nil)
	connectionsHijacked = prometheus.NewDesc("holdfast_connections_hijacked_total",
		"Connections handed over to a handler (http.Hijacker), after which the server no longer tracks them.", nil, nil)
	requests = prometheus.NewDesc("holdfast_requests_total",
		"Requests served.", nil, nil)
	requestsReused = prometheus.NewDesc("holdfast_requests_reused_total",
		"Requests that arrived on a connection that had served one before.", nil, nil)
	bytesReceived = prometheus.NewDesc("holdfast_received_bytes_total",
		"Bytes read from client connections.", nil, nil)
	bytesSent = prometheus.NewDesc("holdfast_sent_bytes_total",
		"Bytes written to client connections.", nil, nil)
	requestsPerConnection = prometheus.NewDesc("holdfast_requests_per_connection",
		"Requests each closed connection served.", nil, nil)
	connectionDuration = prometheus.NewDesc("holdfast_connection_duration_seconds",
		"How long each closed connection was open.", nil, nil)
	idleBeforeReuse = prometheus.NewDesc("holdfast_idle_before_reuse_seconds",
		"How long a kept connection sat idle before the next request on it began to arrive.", nil, nil)
)

func (serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{connectionsOpen, connectionsAccepted, connectionsClosed, connectionsHijacked,
		requests, requestsReused, bytesReceived, bytesSent, requestsPerConnection, connectionDuration, idleBeforeReuse} {
		ch <- d
	}
}

// Collect reads the server's Stats once and sends every metric.
func (c serverCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	for state, n := range st.OpenByState {
		ch <- prometheus.MustNewConstMetric(connectionsOpen, prometheus.GaugeValue, float64(n), state.String())
	}
	for reason, n := range st.Closed {
		ch <- prometheus.MustNewConstMetric(connectionsClosed, prometheus.CounterValue, float64(n), reason.String())
	}
	counter(ch, connectionsAccepted, st.ConnectionsAccepted)
	counter(ch, connectionsHijacked, st.ConnectionsHijacked)
	counter(ch, requests, st.Requests)
	counter(ch, requestsReused, st.RequestsReused)
	counter(ch, bytesReceived, st.BytesIn)
	counter(ch, bytesSent, st.BytesOut)
	histogram(ch, requestsPerConnection, st.RequestsPerConnection)
	histogram(ch, connectionDuration, st.ConnectionDuration)
	histogram(ch, idleBeforeReuse, st.IdleBeforeReuse)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, n uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(n), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, n float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, n, labels...)
}

func histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, h holdfast.Histogram) {
	buckets := make(map[float64]uint64, len(h.Buckets))
	for _, b := range h.Buckets {
		buckets[b.UpperBound] = b.Count
	}
	ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets)
}
