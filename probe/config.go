package probe

import (
	"crypto/tls"
	"strings"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/rawclient"
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

	// Timeout bounds the wait for any one response, and each connect and
	// TLS handshake. Default 10 s.
	Timeout time.Duration

	// Insecure skips the check of an https server's certificate (a
	// self-signed one).
	Insecure bool
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

// target is where requests go; request makes what they look like.
type target struct {
	rawclient.Target
	tls *tls.Config // nil for http://; its session cache is shared by the probes
}

func parseTarget(raw string, insecure bool) (*target, error) {
	t, err := rawclient.ParseTarget(raw, ErrBadURL)
	if err != nil {
		return nil, err
	}
	tt := &target{Target: t, tls: t.TLSConfig(insecure)}
	if tt.tls != nil {
		tt.tls.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	return tt, nil
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
	uri := t.URI
	if o.marker != "" {
		sep := "?"
		if strings.Contains(uri, "?") {
			sep = "&"
		}
		uri += sep + "holdfast-probe=" + o.marker
	}
	b := []byte(method + " " + uri + " " + version + "\r\n")
	b = http1.AppendField(b, "Host", t.Host)
	b = http1.AppendField(b, "User-Agent", "holdfast-probe")
	if o.connection != "" {
		b = http1.AppendField(b, "Connection", o.connection)
	}
	return append(b, "\r\n"...)
}
