// Package holdfast is an HTTP/1.x server built around persistent
// ("keep-alive") connections. Its client, a connection pool that honours
// the same rules from the other side, is package holdfast/client.
//
// A Server serves any net/http Handler. Its Policy decides exactly how long
// and for how many requests a connection is kept: the hold time of an idle
// connection, the time a started request head may take, caps on requests and
// age per connection, the Keep-Alive hints sent to clients, and the TCP
// keepalive and TCP_USER_TIMEOUT settings that find peers that crashed,
// rebooted or became unreachable. The persistence rules are those of RFC 9112
// §9.3: HTTP/1.1 keeps a connection unless "Connection: close" is sent,
// HTTP/1.0 keeps it only with "Connection: keep-alive".
//
// ServeTLS and ListenAndServeTLS serve HTTPS on either engine, with HTTP/2
// (golang.org/x/net/http2) for the clients that ask for it with ALPN; the
// epoll engine serves idle HTTP/1.1 TLS connections without a goroutine
// (see Server.ServeTLS and docs/tls.md).
//
// Every connection's life is visible: its state (ConnState), the reason it
// closed (CloseReason), counters and histograms gathered on demand without
// costing the requests anything (Stats, Connections), and slog records of
// each request and each connection's end (AccessLog, ConnectionLog).
// Package holdfast/admin serves them, with Prometheus metrics (package
// holdfast/metrics) and a live page.
package holdfast
