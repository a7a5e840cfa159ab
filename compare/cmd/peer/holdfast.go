package main

import (
	"log/slog"
	"net/http"
	"time"

	"holdfast"
	"holdfast/admin"
)

func init() { servers["holdfast"] = serveHoldfast }

// serveHoldfast runs holdfast with the engine named by -engine ("auto",
// "goroutine", "epoll"; auto when empty). Two Policy fields are moved off
// their defaults to match the other peers:
//   - MaxRequests 100,000 (default 1,000) like nginx's keepalive_requests
//     here; net/http, fasthttp and nbio have no per-connection cap.
//   - IdleTimeout 300s (default 75s) like nginx's keepalive_timeout here, so
//     the idle scenario never meets it.
//
// With -admin it also serves the admin listener (/metrics, the live page)
// on that address, for the harness's "+metrics" runs. Over TLS it offers
// HTTP/2 and HTTP/1.1 as it does by default; the harness's clients ask for
// HTTP/1.1.
func serveHoldfast(o options) error { return listenHoldfast(o, http.HandlerFunc(hello)) }

// listenHoldfast serves h with holdfast as the holdfast peer does.
func listenHoldfast(o options, h http.Handler) error {
	srv := &holdfast.Server{
		Addr:     o.addr,
		Handler:  h,
		Policy:   holdfast.Policy{MaxRequests: 100000, IdleTimeout: 300 * time.Second},
		ErrorLog: slog.New(slog.DiscardHandler),
	}
	if o.engine != "" {
		eng, err := holdfast.ParseEngine(o.engine)
		if err != nil {
			return err
		}
		srv.Engine = eng
	}
	if o.admin != "" {
		a := &holdfast.Server{Addr: o.admin, Handler: admin.Handler(srv), ErrorLog: srv.ErrorLog}
		go a.ListenAndServe()
	}
	if o.tls() {
		return srv.ListenAndServeTLS(o.tlsCert, o.tlsKey)
	}
	return srv.ListenAndServe()
}
