package holdfast

import (
	"net"
	"time"
)

// wire is an engine's side of one connection's socket, as the shared
// request cycle needs it. Its reads and writes block the calling goroutine
// as net.Conn's do, whatever the engine does underneath.
type wire interface {
	// readBody reads request body bytes, waiting at most the policy's
	// body timeout for them.
	readBody(p []byte) (int, error)
	// write writes all of p, waiting at most the send timeout for progress.
	write(p []byte) (int, error)
	// writev writes a then b, in one system call where possible.
	writev(a, b []byte) (int64, error)
	// watch starts noticing that the peer went away while a handler runs
	// (the request body has been read): rc is then cancelled. unwatch
	// stops it, and hands back any request bytes read meanwhile.
	watch(rc *reqContext)
	unwatch()
	// hijack hands the socket over as a net.Conn; the engine forgets it.
	hijack() (net.Conn, error)
	localAddr() net.Addr
	// clock reads the time, wall and monotonic (ns since epoch); an
	// engine may answer from a reading it made for a batch of requests.
	clock() (time.Time, int64)
	// wake interrupts a wait for the next request (Shutdown); abort
	// closes the socket under a running connection (Close).
	wake()
	abort()
}
