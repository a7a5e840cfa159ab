// Package admin serves a holdfast server's insight over HTTP:
//
//	GET /             the live page: open connections updating in place,
//	                  charts of the last minutes, one sentence on what the
//	                  figures mean, the version, uptime and policy in force
//	GET /events       the live page's feed (Server-Sent Events)
//	GET /metrics      Prometheus metrics (package metrics), with Go's
//	                  runtime and process collectors
//	GET /stats        the server's counters as JSON (holdfast.Stats)
//	GET /connections  the open connections as JSON
//	GET /info         version, uptime, engine and policy as JSON
//	GET /live         200 while the process answers (liveness probes)
//	GET /ready        200, or 503 once the program drains (WithReadiness):
//	                  for balancers' health checks and readiness probes
//	GET /upstreams    behind a reverse proxy (WithUpstreams): its upstreams
//	                  as JSON, which the live page then shows too
//
// It listens on its own address (holdfast serve --admin ADDR), apart from
// the traffic it describes, so that looking never changes what is seen.
// The page and its charting library (uPlot) are embedded: it works offline.
package admin
