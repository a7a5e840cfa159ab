// Package admin serves a holdfast server's insight over HTTP: its counters
// (GET /stats), its open connections (GET /connections) and a live page
// (GET /) that shows both, refreshed every second. In front of a reverse
// proxy it also serves the proxy's upstreams (GET /upstreams, see
// WithUpstreams), which the live page then shows too.
//
// It listens on its own address (holdfast serve --admin ADDR), apart from
// the traffic it describes, so that looking never changes what is seen.
package admin
