package proxy

import (
	"context"
	"net/http"
	"sync"

	"holdfast"
)

// Proxy is a reverse proxy: an http.Handler that passes each request to
// one of its upstreams and the answer back. It works in a holdfast.Server
// (either engine) and in any net/http server.
//
// Each upstream has one pool of persistent connections (a
// client.Transport), shared by every request whatever goroutine, event
// loop or core serves it, so that a few warm connections carry the
// requests of many short-lived clients. What the client's connection
// does is its own: an HTTP/1.0 client, or one that sends Connection:
// close, never closes an upstream connection.
//
// Messages are passed on as RFC 9110 §7.6 asks: the hop-by-hop fields
// (Connection and those it names, Keep-Alive, Proxy-Connection, TE but
// for "trailers", Transfer-Encoding, Upgrade) are removed both ways;
// X-Forwarded-For gets the client's address appended, X-Forwarded-Proto
// and X-Forwarded-Host are set; Via gets "1.1 holdfast" (or 1.0)
// appended. Bodies stream both ways at the pace of the slower side, never
// held whole, with trailers; Expect: 100-continue goes upstream, and the
// client's 100 follows the upstream's (other 1xx answers are not passed
// on). A WebSocket handshake (Upgrade: websocket) opens a tunnel of its own
// to an upstream, passed both ways until either side closes; other
// upgrades are dropped as hop-by-hop, and CONNECT is refused (405). Framing is the server's and the Transport's:
// a request the server refused never arrives here, and the request sent
// upstream is written anew, so it cannot be read differently upstream.
//
// A request that failed is sent again (to another upstream when there is
// one; Config.Retries times at most) only as RFC 9110 §9.2.2 allows: when
// nothing of it was sent (the connection could not be made), or when its
// method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or it
// carries Idempotency-Key, its body can be sent again (Config.ReplayBuffer)
// and no byte of the answer had come. A POST that was sent is never sent
// twice. A reused connection closed by the upstream under a request is
// retried by the Transport, on a new connection, under the same rules.
//
// Failures are answered with a one-line text body naming the cause: 502
// when the upstream could not be reached, failed or answered something
// malformed (that connection is closed, never reused), 504 when its
// answer did not start within Config.Timeout, 503 when no upstream is
// healthy. Each is logged with the upstream and whether the connection
// was a reused one. A client that goes away cancels its upstream request.
//
// On holdfast's epoll engine, ServeHTTP calls holdfast.Offload before it
// waits for an upstream, so a proxied request never stalls the other
// connections of its event loop.
type Proxy struct {
	cfg config
	ups []*upstream // read-only
	bal balancer

	life   context.Context // ended by Close: health checks stop
	end    context.CancelFunc
	checks sync.WaitGroup // the health-check goroutines
}

// New returns a proxy for cfg's upstreams; with Config.HealthPath set, it
// starts checking them. Close stops it.
func New(cfg Config) (*Proxy, error) {
	if len(cfg.Upstreams) == 0 {
		return nil, ErrNoUpstreams
	}
	p := &Proxy{cfg: cfg.resolve()}
	p.life, p.end = context.WithCancel(context.Background())
	for _, raw := range cfg.Upstreams {
		u, err := parseUpstream(raw)
		if err != nil {
			p.end()
			return nil, err
		}
		p.ups = append(p.ups, newUpstream(u, raw, &p.cfg))
	}
	p.bal = balancer{mode: cfg.Balance, ups: p.ups}
	if cfg.HealthPath != "" {
		p.startHealthChecks()
	}
	return p, nil
}

// ServeHTTP passes r to an upstream and its answer to w.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.refuse(w, http.StatusMethodNotAllowed, "CONNECT is not proxied")
		return
	}
	holdfast.Offload(w)
	if isWebSocket(r) {
		p.tunnel(w, r)
		return
	}
	f := newForward(p, r)
	defer f.release()
	resp, up, err := f.send()
	if err != nil {
		p.failed(w, f, up, err)
		return
	}
	f.respond(w, resp, up)
}

// Upstreams describes the upstreams, in the order of Config.Upstreams.
func (p *Proxy) Upstreams() []UpstreamStats {
	out := make([]UpstreamStats, len(p.ups))
	for i, u := range p.ups {
		out[i] = u.stats()
	}
	return out
}

// Close stops the health checks and closes the idle upstream connections;
// requests in progress finish. The Proxy must not serve afterwards.
func (p *Proxy) Close() error {
	p.end()
	p.checks.Wait()
	for _, u := range p.ups {
		u.tr.CloseIdleConnections()
	}
	return nil
}
