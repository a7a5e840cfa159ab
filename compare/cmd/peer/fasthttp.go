package main

import "github.com/valyala/fasthttp"

func init() { servers["fasthttp"] = serveFastHTTP }

// serveFastHTTP runs fasthttp with a plain RequestHandler and default
// settings. IdleTimeout and ReadTimeout are 0, which fasthttp reads as "no
// deadline" (it only sets one when the value is > 0), so idle connections
// stay open.
func serveFastHTTP(o options) error {
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("text/plain")
			ctx.SetBody(helloBody)
		},
		Logger: quiet{},
	}
	return srv.ListenAndServe(o.addr)
}

// quiet is a fasthttp.Logger that drops everything: no logging in any peer.
type quiet struct{}

func (quiet) Printf(string, ...any) {}
