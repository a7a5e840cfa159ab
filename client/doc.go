// Package client is holdfast's HTTP/1.x client: Transport, an
// http.RoundTripper whose connection pool reuses persistent connections
// safely.
//
//	httpClient := &http.Client{Transport: &client.Transport{}}
//
// The pool retires a connection before the server may close it (at its own
// idle timeout, or a margin before the server's advertised "Keep-Alive:
// timeout="), looks at a pooled socket before reusing it, and sends an
// idempotent request again on a fresh connection when a reused one fails
// before the first response byte. TCP keepalive and TCP_USER_TIMEOUT on
// every dialed socket find a server host that vanished, and every close is
// counted with its CloseReason in Stats.
//
// It speaks HTTP/1.x over TCP and over TLS (https://, with session
// resumption), and HTTP/1.1 only over TLS: it offers "http/1.1" alone
// with ALPN, never HTTP/2. With Proxy it goes through HTTP proxies, as
// net/http does (CONNECT tunnels for https://), so that it can stand in
// for http.DefaultTransport.
//
// The client shares with holdfast's server (package holdfast) only the
// wire protocol and the socket vocabulary, and does not import it.
package client
