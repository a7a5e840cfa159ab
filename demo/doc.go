// Package demo is the site that `holdfast serve` shows when it is given no
// directory: a page whose stylesheets, scripts and images report back which
// TCP connection carried each of them.
//
// The page is rendered with a fresh load ID, and every sub-resource URL on it
// carries that ID. When a sub-resource is requested the site notes the
// connection that carried it under the load; once the browser has fired the
// window's load event, a script on the page asks /demo/report for the notes and
// draws them: "32 requests over 6 TCP connections" with keep-alive on, as many
// connections as requests with it off.
//
// The page's words follow how it was served: HTTP/2 (one connection for
// everything), HTTP/1.1 with kept connections, or one request per connection
// (Config.ShortConnections, for a server started with --no-keepalive), over
// TLS or not. It shows its load time, and a side-by-side table of the modes
// this browser has loaded it in on the same address (kept in localStorage),
// so that the cost of short connections, and of their TLS handshakes, is
// visible.
//
// The package knows nothing of the server: New is given a function that
// names the connection of a request, so the same site runs behind holdfast's
// engines and, in tests, behind net/http with http.Server.ConnContext.
//
// Memory is bounded: the site keeps the notes of at most maxLoads loads (the
// least recently used go first), each capped at maxEntriesPerLoad requests.
package demo
