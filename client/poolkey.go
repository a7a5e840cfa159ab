package client

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// poolKey is what makes two connections interchangeable: the scheme, the
// server's address, the name TLS sends and verifies, and the proxy they
// go through. (The Transport's TLS settings are the same for all of its
// pools: see Transport.)
// Finding a pool costs no allocation: the key is cut from the URL, and the
// address to reach (hostPool.origin) is worked out once, with the pool.
type poolKey struct {
	scheme     string // "http" or "https"
	host       string // the URL's host as given
	serverName string // https: the name sent (SNI) and verified
	proxy      string // the proxy's URL; "" for none
}

// String names the pool in Stats: the URL's host for plain HTTP, with
// "https://" before it for HTTPS, and " via " and the proxy after it when
// one is used.
func (k poolKey) String() string {
	s := k.host
	if k.scheme == "https" {
		s = "https://" + s
		if k.serverName != hostOnly(k.host) {
			s += " (server name " + k.serverName + ")"
		}
	}
	if k.proxy != "" {
		s += " via " + k.proxy
	}
	return s
}

// hostOnly is the host of a URL's host[:port], without brackets.
func hostOnly(hostport string) string {
	return (&url.URL{Host: hostport}).Hostname()
}

// hostFor finds or makes the pool of the request.
func (t *Transport) hostFor(req *http.Request) (*hostPool, error) {
	key, proxy, err := t.keyFor(req)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	h := t.hosts[key]
	t.mu.RUnlock()
	if h != nil {
		return h, nil
	}
	return t.newHost(key, proxy), nil
}

// keyFor says which pool serves req, and through which proxy.
func (t *Transport) keyFor(req *http.Request) (poolKey, *url.URL, error) {
	u := req.URL
	if u == nil {
		return poolKey{}, nil, errNilURL
	}
	switch u.Scheme {
	case "http", "https":
	default:
		return poolKey{}, nil, fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
	}
	if u.Host == "" {
		return poolKey{}, nil, errNoHost
	}
	key := poolKey{scheme: u.Scheme, host: u.Host}
	if key.scheme == "https" {
		key.serverName = u.Hostname()
		if n := t.cfg.tls.ServerName; n != "" {
			key.serverName = n
		}
	}
	proxy, err := t.proxyFor(req)
	if err != nil {
		return poolKey{}, nil, err
	}
	if proxy != nil {
		key.proxy = proxy.String()
	}
	return key, proxy, nil
}

func (t *Transport) newHost(key poolKey, proxy *url.URL) *hostPool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.hosts[key]; h != nil {
		return h
	}
	h := &hostPool{t: t, key: key, proxy: proxy, origin: originAddr(key)}
	h.addr = h.origin
	if proxy != nil {
		h.addr = proxyAddr(proxy)
	}
	t.hosts[key] = h
	return h
}

// originAddr is the host:port of the key's server: the scheme's port when
// the URL names none.
func originAddr(k poolKey) string {
	u := url.URL{Host: k.host}
	if u.Port() != "" {
		return k.host
	}
	port := "80"
	if k.scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
