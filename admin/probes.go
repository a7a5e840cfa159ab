package admin

import "net/http"

// The probes of load balancers and of Kubernetes. /live answers 200 as
// long as the process answers at all: a liveness probe that fails gets
// the process restarted, which is right only when it is stuck. /ready
// answers 503 once the program is draining, so that a balancer stops
// sending it new connections while those it has finish; a program says
// so with WithReadiness.

// WithReadiness makes /ready answer 503 ("draining") whenever ready
// returns false; without it, /ready answers 200 as long as the admin
// listener serves.
func WithReadiness(ready func() bool) Option { return func(c *config) { c.ready = ready } }

func serveLive(w http.ResponseWriter, _ *http.Request) {
	probeAnswer(w, http.StatusOK, "live\n")
}

func readyHandler(ready func() bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil && !ready() {
			probeAnswer(w, http.StatusServiceUnavailable, "draining\n")
			return
		}
		probeAnswer(w, http.StatusOK, "ready\n")
	}
}

// probeAnswer answers a probe: a short text nothing may cache.
func probeAnswer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(text))
}
