package client

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptrace"
	"os"
	"time"
)

// TLS: the handshake of an https:// connection, and the look before reuse
// when records may have arrived unasked.

// alpnHTTP1 is the one protocol the Transport offers.
const alpnHTTP1 = "http/1.1"

// clientTLS resolves TLSClientConfig into the base of every connection's
// configuration.
func clientTLS(own *tls.Config) *tls.Config {
	var cfg *tls.Config
	if own != nil {
		cfg = own.Clone()
	} else {
		cfg = &tls.Config{}
	}
	cfg.NextProtos = []string{alpnHTTP1}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return cfg
}

// handshake runs TLS over nc, the TCP connection (or the tunnel through a
// proxy), under the handshake timeout. crypto/tls refuses a server that
// picks a protocol it was not offered, so the connection speaks HTTP/1.1.
func (h *hostPool) handshake(ctx context.Context, nc net.Conn, trace *httptrace.ClientTrace) (*tls.Conn, error) {
	cfg := h.t.cfg.tls
	if cfg.ServerName != h.key.serverName {
		cfg = cfg.Clone()
		cfg.ServerName = h.key.serverName
	}
	if d := h.t.cfg.tlsTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	tc := tls.Client(nc, cfg)
	err := tc.HandshakeContext(ctx)
	cs := tc.ConnectionState()
	if trace != nil && trace.TLSHandshakeDone != nil {
		trace.TLSHandshakeDone(cs, err)
	}
	if err != nil {
		return nil, err
	}
	return tc, nil
}

// tlsQuiet finishes the look before reuse on a TLS connection whose socket
// holds bytes: they may be a record the server may send at any time (a
// session ticket, a KeyUpdate), which TLS consumes, or what makes the
// connection unusable: a close_notify, an alert, a response nobody asked
// for. A read through TLS with a moment's deadline tells them apart: it
// times out only when no application data or end came.
func (c *persistConn) tlsQuiet() bool {
	c.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := c.nc.Read(c.in.Buf[:1])
	c.nc.SetReadDeadline(time.Time{})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	return c.peekAlive() // anything more on the socket?
}
