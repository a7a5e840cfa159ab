package main

import (
	"io"
	"log"
	"net/http"
	"time"

	"holdfast"
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
// Over TLS it offers HTTP/2 and HTTP/1.1 as it does by default; the
// harness's clients ask for HTTP/1.1.
func serveHoldfast(o options) error {
	srv := &holdfast.Server{
		Addr:     o.addr,
		Handler:  http.HandlerFunc(hello),
		Policy:   holdfast.Policy{MaxRequests: 100000, IdleTimeout: 300 * time.Second},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if o.engine != "" {
		eng, err := holdfast.ParseEngine(o.engine)
		if err != nil {
			return err
		}
		srv.Engine = eng
	}
	if o.tls() {
		return srv.ListenAndServeTLS(o.tlsCert, o.tlsKey)
	}
	return srv.ListenAndServe()
}
