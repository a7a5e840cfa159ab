package holdfast

import (
	"crypto/tls"
	"time"
)

// startTLS runs the TLS handshake of a goroutine-engine connection, under
// the policy's handshake timeout. It reports whether HTTP/1.1 is to be
// served on the connection: false when the handshake failed, and when the
// client chose HTTP/2, which is served here (serveH2) until the end.
func (g *goroutineConn) startTLS() bool {
	c := &g.conn
	tc := tls.Server(g.tcp, g.tls.config)
	g.tcp.SetDeadline(c.handshakeDeadline())
	if err := runHandshake(tc); err != nil {
		if c.handshakeFailed(err, g.tcp) {
			c.responded = true // linger, so that the 400 is read before the close
		}
		return false
	}
	g.tcp.SetDeadline(time.Time{})
	cs := tc.ConnectionState()
	if !negotiatedH2(&cs) {
		g.nc, g.state = tc, &cs
		return true
	}
	c.releaseExchange()
	g.h2 = true
	c.srv.serveH2(c, tc)
	return false
}

// tlsState is what Request.TLS says: nil on a plain connection.
func (g *goroutineConn) tlsState() *tls.ConnectionState { return g.state }
