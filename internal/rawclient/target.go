package rawclient

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target is where a tool sends its requests.
type Target struct {
	Addr string // host:port to dial; port 80 when the URL names none
	Host string // the URL's host as given, port included: the Host field
	URI  string // the request target: path and query
}

// ParseTarget accepts an http URL with a host; "localhost:8080/x", without
// a scheme, is taken as http. Anything else is refused with a sentence
// saying why, which wraps errBadURL, or is errTLS itself for an https URL.
// The errors are the caller's, so that its messages name the tool.
func ParseTarget(raw string, errBadURL, errTLS error) (Target, error) {
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
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		return Target{}, errTLS
	default:
		return Target{}, fmt.Errorf("%w: scheme %q (only http is supported)", errBadURL, u.Scheme)
	}
	if u.Hostname() == "" {
		return Target{}, fmt.Errorf("%w: %q has no host", errBadURL, raw)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Target{}, fmt.Errorf("%w: bad port %q", errBadURL, port)
	}
	return Target{Addr: net.JoinHostPort(u.Hostname(), port), Host: u.Host, URI: u.RequestURI()}, nil
}
