// Package metrics exports holdfast's figures to Prometheus, as
// collectors of github.com/prometheus/client_golang: NewServerCollector
// for a server's connections and requests, NewUpstreamCollector for the
// upstreams a client or a proxy talks to (NewTransportCollector for one
// client.Transport).
//
// The admin package serves them at /metrics with Go's runtime and process
// collectors; a program with a registry of its own registers them there:
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(metrics.NewServerCollector(srv))
//
// Collectors read their source when scraped: nothing is counted for them
// between scrapes. docs/metrics.md lists every metric with its labels.
package metrics
