package main

import (
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"holdfast/internal/config"
	"holdfast/proxy"
)

// liveGroup is an upstream group as it runs: its proxy, and how many
// requests are in flight through it, so that a reload that replaces or
// removes it closes it once they are done.
type liveGroup struct {
	spec     *config.Upstream // as started
	proxy    *proxy.Proxy
	checked  bool         // active health checks are on
	inflight atomic.Int64 // requests in the proxy
}

func startGroup(gp *groupPlan, logs *serveLogs) (*liveGroup, error) {
	p, err := proxy.New(gp.config(logs))
	if err != nil {
		return nil, err
	}
	return &liveGroup{spec: gp.spec, proxy: p, checked: gp.proxy.proxy.HealthPath != ""}, nil
}

func (g *liveGroup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.inflight.Add(1)
	defer g.inflight.Add(-1)
	g.proxy.ServeHTTP(w, r)
}

// sameAs reports whether the group was started as gp asks: then a reload
// keeps it, with its pools of upstream connections.
func (g *liveGroup) sameAs(gp *groupPlan) bool {
	sameSetting := func(a, b config.Setting) bool { return a.Flag == b.Flag && a.Value == b.Value }
	return slices.Equal(g.spec.URLs, gp.spec.URLs) && slices.EqualFunc(g.spec.Settings, gp.spec.Settings, sameSetting)
}

// retire closes the group once no request is in flight through it, or
// after timeout. The routers that led to it are gone by then; a request
// that took one just before is counted in inflight by the time the first
// check is made.
func (g *liveGroup) retire(timeout time.Duration) {
	const tick = 50 * time.Millisecond
	for waited := time.Duration(0); waited < timeout; waited += tick {
		time.Sleep(tick)
		if g.inflight.Load() == 0 {
			break
		}
	}
	g.proxy.Close()
}
