// Package probe is the keep-alive auditor behind "holdfast probe": it asks
// an HTTP/1.x server, over raw TCP connections, how it really keeps them,
// and compares what the server advertises with what it does.
//
// Each question is a probe on connections of its own: whether HTTP/1.0 and
// HTTP/1.1 connections are kept with and without the Connection options,
// how long an idle connection lives, how many requests one connection
// carries, whether pipelined requests are answered, and how long a slow
// request head is waited for. The probes are independent, so they run in
// parallel and a full audit takes about as long as the slowest of them:
// the server's idle or header timeout, bounded by Config.MaxWait.
//
// Timeouts are measured rather than guessed. A server that closes an idle
// connection actively is timed exactly, by waiting for its FIN (or RST);
// for one that closes lazily (it drops the connection only when the next
// request arrives), connections idle for different times in parallel and
// a second round bisects the interval where they start to fail.
package probe
