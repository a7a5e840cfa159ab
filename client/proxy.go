package client

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Proxies: Transport.Proxy says which, per request. A plain http://
// request goes to the proxy in absolute form ("GET http://host/path"); an
// https:// one goes through a tunnel the proxy opens on CONNECT, and TLS
// runs end to end inside it.

// proxyFor asks Transport.Proxy for req's proxy and checks it.
func (t *Transport) proxyFor(req *http.Request) (*url.URL, error) {
	if t.cfg.proxy == nil {
		return nil, nil
	}
	p, err := t.cfg.proxy(req)
	if err != nil || p == nil {
		return nil, err
	}
	if p.Scheme != "http" || p.Host == "" {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedProxy, p.Redacted())
	}
	return p, nil
}

// proxyAddr is the proxy's host:port, port 80 when it names none.
func proxyAddr(p *url.URL) string {
	if p.Port() != "" {
		return p.Host
	}
	return net.JoinHostPort(p.Hostname(), "80")
}

// proxyAuthorization is the Proxy-Authorization value for the proxy's
// user info, "" when it has none.
func proxyAuthorization(p *url.URL) string {
	if p == nil || p.User == nil {
		return ""
	}
	pass, _ := p.User.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(p.User.Username()+":"+pass))
}

// connectTunnel asks the proxy on nc for a tunnel to addr and returns once
// it is open (a 2xx answer), or the proxy's refusal.
func (h *hostPool) connectTunnel(ctx context.Context, nc net.Conn) error {
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
		defer nc.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := "CONNECT " + h.origin + " HTTP/1.1\r\nHost: " + h.origin + "\r\nUser-Agent: holdfast\r\n"
	if auth := proxyAuthorization(h.proxy); auth != "" {
		req += "Proxy-Authorization: " + auth + "\r\n"
	}
	if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
		return err
	}
	// The proxy says nothing after its answer until the client speaks in
	// the tunnel, so the reader holds no byte of the tunnel.
	br := bufio.NewReaderSize(nc, 1024)
	resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s", ErrProxyRefused, resp.Status)
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("%w: bytes after its answer to CONNECT", ErrProxyRefused)
	}
	return nil
}
