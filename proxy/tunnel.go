package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"holdfast/internal/sockopt"
)

// WebSocket tunnels. The handshake goes to an upstream on a connection of
// its own (not the pool's: it will never carry another request). If the
// upstream switches protocols, the client's connection is taken over and
// bytes are passed both ways until either side closes; any other answer is
// passed on as usual.

// isWebSocket reports whether r asks to switch to the WebSocket protocol.
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && hasToken(r.Header, "Connection", "upgrade") && hasToken(r.Header, "Upgrade", "websocket")
}

func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	u := p.bal.pick(nil)
	if u == nil {
		p.refuse(w, http.StatusServiceUnavailable, "no healthy upstream")
		return
	}
	nc, err := p.dialTunnel(r, u)
	if err != nil {
		if r.Context().Err() == nil {
			u.connectFailed()
		}
		p.tunnelFailed(w, r, u, err)
		return
	}
	u.connected()
	br := bufio.NewReader(nc)
	resp, err := p.handshake(nc, br, r, u)
	if err != nil {
		nc.Close()
		p.tunnelFailed(w, r, u, err)
		return
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer nc.Close()
		defer resp.Body.Close()
		responseHeader(w.Header(), resp)
		w.WriteHeader(resp.StatusCode)
		copyBody(w, resp.Body)
		return
	}
	client, clientBuf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		nc.Close()
		p.tunnelFailed(w, r, u, errNoUpgrade)
		return
	}
	if err := writeSwitch(clientBuf.Writer, resp); err != nil {
		nc.Close()
		client.Close()
		return
	}
	u.tunnels.Add(1)
	u.tunnelsOpened.Add(1)
	go splice(u, nc, br, client, clientBuf.Reader)
}

// dialTunnel connects to u with the pool's socket options.
func (p *Proxy) dialTunnel(r *http.Request, u *upstream) (net.Conn, error) {
	d := net.Dialer{Timeout: orNone(p.cfg.DialTimeout, DefaultDialTimeout), KeepAlive: -1}
	nc, err := d.DialContext(r.Context(), "tcp", hostPort(u.url.Host))
	if err != nil {
		return nil, err
	}
	sockopt.Apply(nc, sockopt.Settings{
		KeepAliveOff: p.cfg.DisableTCPKeepAlive,
		Idle:         p.cfg.TCPKeepAliveIdle,
		Interval:     p.cfg.TCPKeepAliveInterval,
		Count:        p.cfg.TCPKeepAliveCount,
		UserTimeout:  p.cfg.TCPUserTimeout,
	}.Resolve())
	return nc, nil
}

// handshake sends the client's upgrade request to u and reads the answer's
// head, within the response timeout.
func (p *Proxy) handshake(nc net.Conn, br *bufio.Reader, r *http.Request, u *upstream) (*http.Response, error) {
	out := &http.Request{Method: r.Method, URL: tunnelURL(r, u), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: requestHeader(r), Host: u.url.Host}
	if p.cfg.PreserveHost {
		out.Host = r.Host
	}
	out.Header["Connection"] = []string{"Upgrade"}
	out.Header["Upgrade"] = r.Header["Upgrade"]
	if t := orNone(p.cfg.Timeout, DefaultTimeout); t > 0 {
		nc.SetDeadline(time.Now().Add(t))
		defer nc.SetDeadline(time.Time{})
	}
	if err := out.Write(nc); err != nil {
		return nil, err
	}
	return http.ReadResponse(br, out)
}

func tunnelURL(r *http.Request, u *upstream) *url.URL {
	f := forward{in: r}
	f.aim(u)
	return &f.url
}

// writeSwitch sends the client the upstream's 101, with its end-to-end
// fields and the upgrade's own.
func writeSwitch(w *bufio.Writer, resp *http.Response) error {
	h := make(http.Header, len(resp.Header)+2)
	responseHeader(h, resp)
	h["Connection"] = []string{"Upgrade"}
	h["Upgrade"] = resp.Header["Upgrade"]
	io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\n")
	h.Write(w)
	io.WriteString(w, "\r\n")
	return w.Flush()
}

// splice passes bytes both ways until either side closes, then closes
// both. Each side's bytes read ahead of the switch go first.
func splice(u *upstream, upstreamConn net.Conn, upstreamAhead *bufio.Reader, client net.Conn, clientAhead *bufio.Reader) {
	defer u.tunnels.Add(-1)
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			upstreamConn.Close()
			client.Close()
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(upstreamConn, clientAhead)
		closeBoth()
	}()
	io.Copy(client, upstreamAhead)
	closeBoth()
	<-done
}

// hostPort adds HTTP's default port to a URL host without one.
func hostPort(host string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), "80")
}

// tunnelFailed answers a handshake that failed; a tunnel's connection is
// always a new one.
func (p *Proxy) tunnelFailed(w http.ResponseWriter, r *http.Request, u *upstream, err error) {
	f := &forward{p: p, in: r, tried: []*upstream{u}}
	p.failed(w, f, u, err)
}
