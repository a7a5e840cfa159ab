package main

import (
	"io"
	"log"
	"net/http"
)

func init() { servers["nethttp"] = serveNetHTTP }

// serveNetHTTP runs the standard library server. IdleTimeout and ReadTimeout
// are left at 0, which net/http reads as "no limit", so idle keep-alive
// connections outlive any test.
func serveNetHTTP(o options) error {
	srv := &http.Server{
		Addr:     o.addr,
		Handler:  http.HandlerFunc(hello),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if o.tls() {
		return srv.ListenAndServeTLS(o.tlsCert, o.tlsKey)
	}
	return srv.ListenAndServe()
}

// hello is the net/http-style handler shared by every peer that takes an
// http.Handler (nethttp, nbio, holdfast). Content-Type is set explicitly so
// net/http does not sniff and append a charset.
func hello(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{"13"}
	w.Write(helloBody)
}
