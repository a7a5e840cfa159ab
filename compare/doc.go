// Package compare holds the file the side-by-side benchmarks of holdfast
// need at run time: the wrk pipelining script, embedded so the harness
// finds it wherever it runs from. nginx's configuration is
// holdfast/internal/testrig's, shared with holdfast's tests.
//
// The module holdfast/compare is kept apart from holdfast's own module so
// that the peer servers (fasthttp, nbio) never become holdfast dependencies.
// cmd/peer runs the Go peers, cmd/idleconns holds idle connections open, and
// cmd/harness runs everything and writes results/. cmd/clientbench
// measures the clients instead (holdfast/client.Transport, net/http's Transport,
// fasthttp) against nginx, and writes results/ too.
package compare
