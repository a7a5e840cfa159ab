package admin

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/client"
	"holdfast/metrics"
)

// Source is what the admin pages describe; *holdfast.Server is one.
type Source interface {
	Stats() holdfast.Stats
	Connections() []holdfast.ConnInfo
}

// An Option adds to what the admin handler serves.
type Option func(*config)

// config is what the options set.
type config struct {
	version    string
	started    time.Time
	collectors []prometheus.Collector
	routes     []route
	refresh    time.Duration // between two live updates
	ready      func() bool   // WithReadiness; nil: always ready
}

// route is an endpoint added with WithHandler.
type route struct {
	pattern string
	handler http.Handler
}

// WithVersion names the program's version on the live page and /info.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithStartTime sets the start that the uptime counts from; by default
// the moment Handler was called.
func WithStartTime(t time.Time) Option { return func(c *config) { c.started = t } }

// WithCollectors adds Prometheus collectors to /metrics: a proxy's
// upstreams (metrics.NewUpstreamCollector), an application's own.
func WithCollectors(cs ...prometheus.Collector) Option {
	return func(c *config) { c.collectors = append(c.collectors, cs...) }
}

// WithHandler adds an endpoint to the admin listener, under a pattern of
// http.ServeMux ("GET /upstreams"). A GET endpoint with a fixed path is
// linked from the live page.
func WithHandler(pattern string, h http.Handler) Option {
	return func(c *config) { c.routes = append(c.routes, route{pattern, h}) }
}

// WithTransport adds a client Transport's figures to /metrics, labelled
// upstream=name.
func WithTransport(name string, t *client.Transport) Option {
	return WithCollectors(metrics.NewTransportCollector(name, t))
}

//go:embed ui
var uiFiles embed.FS

// Handler serves the admin endpoints for src (see the package comment).
func Handler(src Source, opts ...Option) http.Handler {
	cfg := &config{started: time.Now(), refresh: time.Second}
	for _, o := range opts {
		o(cfg)
	}
	info := newInfo(src, cfg)
	live := newHub(src, cfg, info)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, src.Stats())
	})
	mux.HandleFunc("GET /connections", func(w http.ResponseWriter, r *http.Request) {
		conns := src.Connections()
		sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
		writeJSON(w, conns)
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, info.now())
	})
	mux.Handle("GET /metrics", metricsHandler(src, cfg))
	mux.HandleFunc("GET /live", serveLive)
	mux.HandleFunc("GET /ready", readyHandler(cfg.ready))
	mux.HandleFunc("GET /events", live.serveEvents)
	ui, _ := fs.Sub(uiFiles, "ui")
	mux.Handle("GET /ui/", noStore(http.StripPrefix("/ui/", http.FileServerFS(ui))))
	for _, rt := range cfg.routes {
		mux.Handle(rt.pattern, rt.handler)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, ui, "index.html")
	})
	return mux
}

func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
