package admin

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"holdfast/metrics"
)

// metricsHandler serves /metrics from a registry of its own: the server's
// collector, the options' collectors, and Go's runtime and process ones.
func metricsHandler(src Source, cfg *config) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		metrics.NewServerCollector(src),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, c := range cfg.collectors {
		reg.MustRegister(c)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
