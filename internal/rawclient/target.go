package rawclient

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target is where a tool sends its requests.
type Target struct {
	Addr string // host:port to dial; the scheme's port when the URL names none
	Host string // the URL's host as given, port included: the Host field
	URI  string // the request target: path and query
	TLS  bool   // https: TLS over the connection, HTTP/1.1 inside
	Name string // the URL's host name without port: TLS's server name
}

// ParseTarget accepts an http or https URL with a host; "localhost:8080/x",
// without a scheme, is taken as http. Anything else is refused with a
// sentence saying why, which wraps errBadURL (the caller's, so that its
// messages name the tool).
func ParseTarget(raw string, errBadURL error) (Target, error) {
	if raw == "" {
		return Target{}, fmt.Errorf("%w: no URL given", errBadURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // what people type
	}
	u, err := url.Parse(raw)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err // its Op and URL repeat what the person typed
		}
		return Target{}, fmt.Errorf("%w: %v", errBadURL, err)
	}
	port, tls := "80", false
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		port, tls = "443", true
	default:
		return Target{}, fmt.Errorf("%w: scheme %q (only http and https are supported)", errBadURL, u.Scheme)
	}
	if u.Hostname() == "" {
		return Target{}, fmt.Errorf("%w: %q has no host", errBadURL, raw)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Target{}, fmt.Errorf("%w: bad port %q", errBadURL, port)
	}
	return Target{Addr: net.JoinHostPort(u.Hostname(), port), Host: u.Host, URI: u.RequestURI(),
		TLS: tls, Name: u.Hostname()}, nil
}

// TLSConfig is the TLS configuration of a tool's connections to an https
// target: HTTP/1.1 by ALPN, the URL's host as the server name, the
// certificate checked against the system's roots unless insecure. It is
// nil for a plain http target.
func (t Target) TLSConfig(insecure bool) *tls.Config {
	if !t.TLS {
		return nil
	}
	return &tls.Config{ServerName: t.Name, InsecureSkipVerify: insecure, NextProtos: []string{"http/1.1"}}
}
