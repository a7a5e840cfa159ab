package probe

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/http1"
)

// Config describes one audit.
type Config struct {
	URL string

	// MaxWait bounds every timed search: how long a connection is left
	// idle, and how long a partial request head is left waiting. A server
	// whose timeout is longer is reported as keeping at least MaxWait.
	// Default 2 minutes.
	MaxWait time.Duration

	// MaxRequests bounds the count of requests sent on one connection to
	// find the server's cap. Default 1000.
	MaxRequests int

	// Timeout bounds the wait for any one response. Default 10 s.
	Timeout time.Duration
}

// Defaults for Config's zero fields.
const (
	DefaultMaxWait     = 2 * time.Minute
	DefaultMaxRequests = 1000
	DefaultTimeout     = 10 * time.Second
)

func (c *Config) fillDefaults() {
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.MaxRequests <= 0 {
		c.MaxRequests = DefaultMaxRequests
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
}

// target is where requests go and what they look like.
type target struct {
	addr string // host:port to dial
	host string // the Host field
	uri  string // the request target
}

func parseTarget(raw string) (*target, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: no URL given", ErrBadURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		return nil, ErrTLS
	default:
		return nil, fmt.Errorf("%w: scheme %q (only http is supported)", ErrBadURL, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrBadURL, raw)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("%w: bad port %q", ErrBadURL, port)
	}
	return &target{addr: net.JoinHostPort(u.Hostname(), port), host: u.Host, uri: u.RequestURI()}, nil
}

// Request variants.
type reqOpts struct {
	method     string // default GET
	http10     bool
	connection string // the Connection field's value, or none
	marker     string // appended to the query, to tell pipelined requests apart
}

func (t *target) request(o reqOpts) []byte {
	method, version := o.method, "HTTP/1.1"
	if method == "" {
		method = "GET"
	}
	if o.http10 {
		version = "HTTP/1.0"
	}
	uri := t.uri
	if o.marker != "" {
		sep := "?"
		if strings.Contains(uri, "?") {
			sep = "&"
		}
		uri += sep + "holdfast-probe=" + o.marker
	}
	b := []byte(method + " " + uri + " " + version + "\r\n")
	b = http1.AppendField(b, "Host", t.host)
	b = http1.AppendField(b, "User-Agent", "holdfast-probe")
	if o.connection != "" {
		b = http1.AppendField(b, "Connection", o.connection)
	}
	return append(b, "\r\n"...)
}
