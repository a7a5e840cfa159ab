package bench

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/rawclient"
)

// Config describes one run. Requests > 0 bounds the run by count, otherwise
// Duration bounds it by time.
type Config struct {
	URL         string
	Connections int           // concurrent connections (goroutines); default 1
	Duration    time.Duration // run length when Requests is 0; default 10 s
	Requests    int64         // exact number of requests to send; 0: run for Duration
	Rate        float64       // requests/s over all connections; 0: as fast as answers come
	Method      string        // default GET
	Headers     []string      // extra "Name: value" fields
	Body        []byte        // request body, sent with a Content-Length
	NoKeepAlive bool          // a new TCP connection for every request
	HTTP10      bool          // send HTTP/1.0 (with Connection: keep-alive unless NoKeepAlive)
	Pipeline    int           // requests written at once on a connection; default 1
	Timeout     time.Duration // per request (and per connect); default 10 s

	// For https:// URLs: Insecure skips the check of the server's
	// certificate (a self-signed one); NoResume makes every connection's
	// handshake a full one, where by default connections resume the
	// session of an earlier one, as browsers do.
	Insecure bool
	NoResume bool

	// Progress, when set, is called from another goroutine every Interval
	// (default 1 s) while the run lasts.
	Progress func(Progress)
	Interval time.Duration
}

// Defaults for Config's zero fields.
const (
	DefaultDuration = 10 * time.Second
	DefaultTimeout  = 10 * time.Second
	DefaultInterval = time.Second
)

// plan is a validated Config with the request bytes built: what the
// workers read, never write.
type plan struct {
	Config
	addr      string // host:port to dial
	hostport  string // for reports
	method    string
	keepAlive bool   // the connection is meant to be reused
	req       []byte // one request
	batch     []byte // Pipeline requests back to back

	tls *tls.Config // nil for http://; shared by the workers, session cache included
}

// isTLS reports whether the URL is an https one.
func (c *Config) isTLS() bool { return strings.HasPrefix(strings.ToLower(c.URL), "https://") }

// ModeName says how connections are used, for reports.
func (c *Config) ModeName() string {
	v := "HTTP/1.1"
	if c.HTTP10 {
		v = "HTTP/1.0"
	}
	if c.isTLS() {
		v += " over TLS"
		if c.NoKeepAlive && c.NoResume {
			v += ", full handshakes"
		} else if c.NoKeepAlive {
			v += ", resumed sessions"
		}
	}
	switch {
	case c.NoKeepAlive:
		return "short connections, " + v
	case c.Pipeline > 1:
		return fmt.Sprintf("keep-alive, %s, pipeline %d", v, c.Pipeline)
	}
	return "keep-alive, " + v
}

func newPlan(cfg Config) (*plan, error) {
	p := &plan{Config: cfg}
	p.fillDefaults()
	if err := p.check(); err != nil {
		return nil, err
	}
	t, err := rawclient.ParseTarget(p.URL, ErrBadURL)
	if err != nil {
		return nil, err
	}
	p.addr, p.hostport = t.Addr, t.Host
	if p.tls = t.TLSConfig(p.Insecure); p.tls != nil && !p.NoResume {
		p.tls.ClientSessionCache = tls.NewLRUClientSessionCache(1) // one server: one entry
	}
	if err := p.build(t); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *plan) fillDefaults() {
	if p.Connections <= 0 {
		p.Connections = 1
	}
	if p.Duration <= 0 {
		p.Duration = DefaultDuration
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.Interval <= 0 {
		p.Interval = DefaultInterval
	}
	if p.Pipeline <= 0 {
		p.Pipeline = 1
	}
	if p.Method == "" {
		p.Method = "GET"
	}
	p.method = strings.ToUpper(p.Method)
	p.keepAlive = !p.NoKeepAlive
}

func (p *plan) check() error {
	switch {
	case p.Requests < 0:
		return fmt.Errorf("%w: -n must not be negative", ErrBadConfig)
	case p.Rate < 0:
		return fmt.Errorf("%w: --rate must not be negative", ErrBadConfig)
	case p.Pipeline > 1 && p.NoKeepAlive:
		return fmt.Errorf("%w: --pipeline needs keep-alive: a short connection carries one request", ErrBadConfig)
	case p.Pipeline > 1 && p.Rate > 0:
		return fmt.Errorf("%w: --rate and --pipeline cannot be combined", ErrBadConfig)
	case !http1.ValidFieldName(p.method):
		return fmt.Errorf("%w: method %q is not a token", ErrBadConfig, p.Method)
	case p.method == "CONNECT":
		return fmt.Errorf("%w: CONNECT opens a tunnel, it cannot be benchmarked", ErrBadConfig)
	}
	return nil
}

// build makes the request bytes once, so that sending a request is a single
// write of a prepared buffer.
func (p *plan) build(t rawclient.Target) error {
	version := "HTTP/1.1"
	if p.HTTP10 {
		version = "HTTP/1.0"
	}
	b := []byte(p.method + " " + t.URI + " " + version + "\r\n")
	fields, err := parseHeaders(p.Headers)
	if err != nil {
		return err
	}
	if !hasField(fields, "Host") {
		b = http1.AppendField(b, "Host", t.Host)
	}
	if !hasField(fields, "User-Agent") {
		b = http1.AppendField(b, "User-Agent", "holdfast-bench")
	}
	for _, f := range fields {
		b = http1.AppendField(b, f[0], f[1])
	}
	switch {
	case p.HTTP10 && p.keepAlive:
		b = http1.AppendField(b, "Connection", "keep-alive")
	case !p.HTTP10 && !p.keepAlive:
		b = http1.AppendField(b, "Connection", "close")
	}
	if len(p.Body) > 0 {
		b = http1.AppendField(b, "Content-Length", strconv.Itoa(len(p.Body)))
	}
	b = append(b, "\r\n"...)
	p.req = append(b, p.Body...)
	for range p.Pipeline {
		p.batch = append(p.batch, p.req...)
	}
	return nil
}

// parseHeaders splits "Name: value" strings. Fields that decide framing
// and persistence are refused: the flags own them, and a run whose
// Connection field contradicts its mode would measure something else.
func parseHeaders(hs []string) ([][2]string, error) {
	var out [][2]string
	for _, h := range hs {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || !http1.ValidFieldName(name):
			return nil, fmt.Errorf("%w: %q is not \"Name: value\"", ErrBadHeader, h)
		case !http1.ValidFieldValue(value):
			return nil, fmt.Errorf("%w: %q has a control character in its value", ErrBadHeader, h)
		}
		switch strings.ToLower(name) {
		case "connection", "keep-alive":
			return nil, fmt.Errorf("%w: %s is set by --no-keepalive and --http1.0", ErrBadHeader, name)
		case "content-length", "transfer-encoding":
			return nil, fmt.Errorf("%w: %s is set from --body", ErrBadHeader, name)
		}
		out = append(out, [2]string{name, value})
	}
	return out, nil
}

func hasField(fields [][2]string, name string) bool {
	for _, f := range fields {
		if strings.EqualFold(f[0], name) {
			return true
		}
	}
	return false
}
