package main

import (
	"fmt"
	"strconv"

	"holdfast/compare/internal/wrk"
)

// The TLS scenarios, e to h: the plain ones again over HTTPS, where a new
// connection also costs a TLS handshake (the server's most expensive CPU
// work), so that keep-alive saves the most. They run the servers that
// speak TLS here: net/http, nginx (with ssl_session_cache) and holdfast.
// Every client does X25519 key exchange (see classicKeyExchange).

// tlsScenario builds scenarios e, f and g.
func (h *harness) tlsScenario(k string) scenario {
	c := h.cfg
	d := strconv.Itoa(int(c.duration.Seconds())) + "s"
	switch k {
	case "e":
		return scenario{key: "e", tls: true, metrics: wrkMetrics,
			title: fmt.Sprintf("(e) keep-alive over TLS: wrk -t%d -c%d -d%v https://", c.threads, c.connections, c.duration),
			about: "Scenario (a) over HTTPS: every connection pays one TLS handshake at its start, then carries request after request.",
			wrk: func(addr string) wrk.Options {
				return wrk.Options{Threads: c.threads, Connections: c.connections, Duration: d, URL: "https://" + addr + "/"}
			}}
	case "f":
		return scenario{key: "f", tls: true, metrics: wrkMetrics,
			title: fmt.Sprintf("(f) new TLS connections, full handshakes: holdfast bench --no-keepalive --no-resume -c%d -d%v", c.connections, c.duration),
			about: "One request per connection, and a full TLS 1.3 handshake (certificate signature, key exchange) per connection: what a client without session resumption costs. " +
				"wrk cannot resume sessions, so (f) and (g) use holdfast bench, whose p50/p99 run from the request's write to its response: the connection's setup is not in them.",
			bench: []string{"--no-keepalive", "--no-resume"}}
	}
	return scenario{key: "g", tls: true, metrics: wrkMetrics,
		title: fmt.Sprintf("(g) new TLS connections, resumed sessions: holdfast bench --no-keepalive -c%d -d%v", c.connections, c.duration),
		about: "One request per connection, each resuming the TLS session of an earlier one (a ticket, no certificate): what a browser that reconnects costs.",
		bench: []string{"--no-keepalive"}}
}

// tlsIdleScenario is scenario h: n idle TLS connections.
func (h *harness) tlsIdleScenario(n int) scenario {
	return scenario{key: "h" + strconv.Itoa(n), idleN: n, tls: true, metrics: idleMetrics(h.cfg.idleFor.String()),
		title: fmt.Sprintf("(h) %d idle keep-alive connections over TLS", n),
		about: fmt.Sprintf("Scenario (d) over HTTPS: cmd/idleconns -tls opens %d connections (a TLS handshake and one request each), "+
			"then they sit idle %v. RSS per conn is what an idle TLS connection costs the server.", n, h.cfg.idleFor)}
}

// speaksTLS reports whether the harness can run s over TLS.
func (s server) speaksTLS() bool {
	return s.Kind == "nethttp" || s.Kind == "holdfast" || s.Kind == "nginx"
}

// serversFor lists the servers a scenario runs.
func (h *harness) serversFor(sc scenario) []server {
	if !sc.tls {
		return h.cfg.servers
	}
	var out []server
	for _, s := range h.cfg.servers {
		if s.speaksTLS() {
			out = append(out, s)
		}
	}
	return out
}
