package admin

import "net/http"

// WithUpstreams adds GET /upstreams to an admin handler h: the JSON array
// that list returns, one object per upstream of a reverse proxy (for
// holdfast/proxy, Proxy.Upstreams). The live page shows them when the
// endpoint exists.
func WithUpstreams[T any](h http.Handler, list func() []T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /upstreams", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, list())
	})
	mux.Handle("/", h)
	return mux
}
