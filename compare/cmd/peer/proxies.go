package main

import (
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"holdfast/proxy"
)

// The reverse proxies: every request goes to -upstream, whose answer is
// passed back. Keep-alive on both sides, no logging of requests.
func init() {
	servers["httputil"] = serveHTTPUtil
	servers["holdfast-proxy"] = serveHoldfastProxy
}

var errNoUpstream = errors.New("-upstream is required")

// serveHTTPUtil runs net/http's httputil.ReverseProxy in net/http's
// server. Its Transport keeps 64 idle connections per host (net/http's
// default is 2, which would make most requests dial), as nginx's
// upstream keepalive 64 in the comparison.
func serveHTTPUtil(o options) error {
	if o.upstream == "" {
		return errNoUpstream
	}
	u, err := url.Parse(o.upstream)
	if err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	rp.ErrorLog = log.New(os.Stderr, "httputil: ", 0)
	srv := &http.Server{Addr: o.addr, Handler: rp, ErrorLog: log.New(io.Discard, "", 0)}
	return srv.ListenAndServe()
}

// serveHoldfastProxy runs holdfast's proxy with its defaults, in a
// holdfast server as the holdfast peer's (listenHoldfast).
func serveHoldfastProxy(o options) error {
	if o.upstream == "" {
		return errNoUpstream
	}
	p, err := proxy.New(proxy.Config{Upstreams: []string{o.upstream}, ErrorLog: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return err
	}
	defer p.Close()
	return listenHoldfast(o, p)
}
