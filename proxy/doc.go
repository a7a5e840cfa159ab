// Package proxy is holdfast's reverse proxy: an http.Handler that passes
// requests to a set of upstream servers over persistent connections kept
// warm in one pool per upstream, shared by every request whatever
// goroutine, event loop or core serves it.
//
//	p, err := proxy.New(proxy.Config{Upstreams: []string{"http://10.0.0.1:8080", "http://10.0.0.2:8080"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer p.Close()
//	srv := &holdfast.Server{Addr: ":8080", Handler: p}
//	log.Fatal(srv.ListenAndServe())
//
// The client side is holdfast's server (or any net/http server) with its
// keep-alive Policy; the upstream side is one client.Transport per
// upstream with the proxy's own policy (Config): a connection is retired
// before the upstream would close it (its idle timeout, or the upstream's
// Keep-Alive hint), looked at before it is reused, and a request that the
// upstream's close caught on its way is sent again when RFC 9110 allows
// it. Clients come and go (HTTP/1.0 clients, Connection: close, health
// checkers); the upstream connections stay.
//
// Upstreams are picked by Config.Balance (random-two by default), taken
// out of the balancing after failed connection attempts in a row (passive
// health) or failed health checks (active, with Config.HealthPath), and
// described by Proxy.Upstreams, which holdfast's admin listener serves as
// GET /upstreams.
//
// The command "holdfast proxy" runs one: holdfast's server in front, with
// every flag of "holdfast serve", and the upstreams behind.
package proxy
