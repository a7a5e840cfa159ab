package proxy

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"holdfast/client"
)

// Active health checks: one goroutine per upstream, each with a pool of
// its own (one connection, kept between checks), so that checks never
// count in the upstream's request statistics nor take its connections.

func (p *Proxy) startHealthChecks() {
	for _, u := range p.ups {
		p.checks.Add(1)
		go p.checkLoop(u)
	}
}

// checkLoop checks u at once, then every interval, until Close.
func (p *Proxy) checkLoop(u *upstream) {
	defer p.checks.Done()
	interval := p.cfg.healthInterval
	tr := newTransport(&p.cfg)
	tr.MaxIdlePerHost = 1
	tr.DialTimeout, tr.ResponseHeaderTimeout = interval, interval
	defer tr.CloseIdleConnections()
	target := *u.url
	target.Path = joinPath(u.url.Path, p.cfg.HealthPath)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		p.check(u, tr, &target, interval)
		select {
		case <-tick.C:
		case <-p.life.Done():
			return
		}
	}
}

// check sends one health check and records its verdict, logging a change.
func (p *Proxy) check(u *upstream, tr *client.Transport, target *url.URL, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(p.life, timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	req.Header.Set("User-Agent", "holdfast-proxy-health-check")
	resp, err := tr.RoundTrip(req)
	why := ""
	if err != nil {
		why = err.Error()
	} else {
		why = resp.Status
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	if p.life.Err() != nil {
		return // Close interrupted it: no verdict
	}
	ok := err == nil && resp.StatusCode < 400
	if was := u.checkFailed.Swap(!ok); was == ok {
		if ok {
			p.cfg.log.Info("proxy: upstream passes its health check again", "upstream", u.name)
		} else {
			p.cfg.log.Warn("proxy: upstream fails its health check", "upstream", u.name, "path", target.Path, "answer", why)
		}
	}
	if ok {
		u.connected()
	}
}

// joinPath puts an upstream's base path before a path.
func joinPath(base, path string) string {
	if base == "" || base == "/" {
		return path
	}
	if len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	if base[len(base)-1] != '/' {
		base += "/"
	}
	return base + path
}
