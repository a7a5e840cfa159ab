package config

import "time"

// File is a configuration file that passed every check.
type File struct {
	Path string

	// Settings are the top level's flags: admin, drain-timeout,
	// log-format, log-level, access-log, connection-log. They apply to
	// every listener.
	Settings []Setting

	// DrainDelay is how long /ready answers 503 before the listeners close
	// when the process is asked to stop, so that balancers' health checks
	// see it first. Zero: the listeners close at once.
	DrainDelay time.Duration
	// PIDFile, when set, is where holdfast run writes its process ID.
	PIDFile string

	Listeners []Listener
	Upstreams []Upstream // in the order of the file
}

// Setting is one flag's value as the file gives it.
type Setting struct {
	Flag  string // the flag's name, without dashes: "idle-timeout", "upstream-idle-timeout"
	Key   string // the key in the file: "idle-timeout"
	Value string // the text the flag reads: "75s", "true", an absolute path
	Pos   Pos    // of the value
}

// Listener is one address served, with its settings and routes.
type Listener struct {
	// Listen is the address (host:port; port 0 picks a free one). It is
	// the listener's identity: a reload keeps the socket of a listener
	// whose address stays.
	Listen string
	Pos    Pos // of the address
	// Settings are serve's front-side flags: the keep-alive policy,
	// engine, max-body, TLS.
	Settings []Setting
	Routes   []Route
}

// Setting returns the listener's setting of a flag, if the file gives one.
func (l *Listener) Setting(flag string) (Setting, bool) { return find(l.Settings, flag) }

// Route sends the requests for a host and a path prefix to one target:
// a static directory, an upstream group or a redirect.
type Route struct {
	// Host is the request's host without its port, lower case; "" is any
	// host, "*.example.com" any name under example.com.
	Host string
	// Path is the prefix: "/api/" takes /api/ and what is under it; "/api"
	// takes /api and /api/..., not /apis.
	Path string

	Static   string // an absolute directory; the route's path is cut from the request's
	Upstream string // an upstream group's name; the request's path goes on as it is
	Redirect string // a URL: the response's Location is it followed by the rest of the path and the query
	Status   int    // the redirect's status: 301, 302, 303, 307 or 308 (default)

	Pos Pos // of the route's first key

	upstreamAt Pos // of the upstream's name
}

// Upstream is a named upstream group: holdfast proxy's upstreams and
// their settings.
type Upstream struct {
	Name     string
	URLs     []string
	Settings []Setting // proxy's upstream flags: balance, upstream-idle-timeout, ...
	Pos      Pos       // of the name
}

// Setting returns the file's top-level setting of a flag, if it gives one.
func (f *File) Setting(flag string) (Setting, bool) { return find(f.Settings, flag) }

func find(settings []Setting, flag string) (Setting, bool) {
	for _, s := range settings {
		if s.Flag == flag {
			return s, true
		}
	}
	return Setting{}, false
}
