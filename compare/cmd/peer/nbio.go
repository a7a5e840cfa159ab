package main

import (
	"net/http"
	"time"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
)

func init() { servers["nbio"] = serveNbio }

// serveNbio runs nbhttp in its normal mode: its own epoll pollers, and the
// http.Handler run on its task pool. KeepaliveTime (the idle read deadline,
// 120s by default) is raised to 300s so the idle test never hits it; MaxLoad
// already defaults to 1M connections.
func serveNbio(o options) error {
	logging.SetLevel(logging.LevelNone)
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network:       "tcp",
		Addrs:         []string{o.addr},
		Handler:       http.HandlerFunc(hello),
		KeepaliveTime: 300 * time.Second,
	})
	if err := engine.Start(); err != nil {
		return err
	}
	select {} // the harness ends us with a signal
}
