// Package idle is the client side of the idle-connections test: it holds N
// keep-alive connections open to a server and measures, from outside the
// server's process, the server's memory per connection and its CPU time
// while they sit idle. cmd/idleconns wraps it so that the client runs in its
// own process, with its own open-file limit, apart from both the server and
// the harness.
package idle
