package admin

import "net/http"

// WithUpstreams adds GET /upstreams: the JSON array that list returns,
// one object per upstream of a reverse proxy (for holdfast/proxy,
// Proxy.Upstreams). The live page shows them as a table: each one's url,
// health, requests, share on reused connections, retries, connections and
// failures, from the fields of holdfast/proxy's UpstreamStats that it
// finds.
func WithUpstreams[T any](list func() []T) Option {
	return WithHandler("GET /upstreams", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, list())
	}))
}
