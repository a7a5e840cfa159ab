package demo

import "net/http"

// mode is how the page reached the browser: over TLS or not, HTTP/2 or
// HTTP/1.1, connections kept or closed after each response. The page's
// words follow it, and the side-by-side table keeps one row per mode.
type mode struct {
	Key     string // names the row: https-h2, https-h1, https-close, http-h1, http-close
	Title   string // what the row is called
	TLS     bool
	H2      bool
	Short   bool   // one request per connection
	Command string // how to start holdfast to get this mode
}

// modeOf tells the mode of a request to a server whose connections are
// short or kept (Config.ShortConnections). HTTP/2 keeps its connection
// whatever that says: there is no Connection: close in HTTP/2.
func modeOf(r *http.Request, short bool) mode {
	tls := r.TLS != nil
	switch {
	case r.ProtoMajor == 2:
		return modes["https-h2"]
	case tls && short:
		return modes["https-close"]
	case tls:
		return modes["https-h1"]
	case short:
		return modes["http-close"]
	}
	return modes["http-h1"]
}

var modes = map[string]mode{
	"https-h2":    {Key: "https-h2", Title: "HTTP/2 over TLS", TLS: true, H2: true, Command: "holdfast serve --tls-self-signed"},
	"https-h1":    {Key: "https-h1", Title: "HTTP/1.1 over TLS, keep-alive", TLS: true, Command: "holdfast serve --tls-self-signed --no-h2"},
	"https-close": {Key: "https-close", Title: "HTTP/1.1 over TLS, one request per connection", TLS: true, Short: true, Command: "holdfast serve --tls-self-signed --no-h2 --no-keepalive"},
	"http-h1":     {Key: "http-h1", Title: "HTTP/1.1, keep-alive", Command: "holdfast serve"},
	"http-close":  {Key: "http-close", Title: "HTTP/1.1, one request per connection", Short: true, Command: "holdfast serve --no-keepalive"},
}

// comparedModes are the rows of the side-by-side table for a page served
// over TLS or not: the modes a browser can be served in on that scheme.
func comparedModes(tls bool) []mode {
	if tls {
		return []mode{modes["https-h2"], modes["https-h1"], modes["https-close"]}
	}
	return []mode{modes["http-h1"], modes["http-close"]}
}
