//go:build unix

package holdfast

import (
	"io"
	"os"
	"syscall"
)

// The goroutine engine's idle wait holds no exchange: between requests a
// connection keeps its goroutine and its record, not its buffers and
// header map (about 15 KiB), as the epoll engine does.

// idleWaiter is what a plain-TCP connection of the goroutine engine needs
// for that wait: the socket's raw access and the callback, made once.
// Owned by the serve goroutine.
type idleWaiter struct {
	raw  syscall.RawConn // nil over TLS (crypto/tls may hold records already read) or without a descriptor
	read func(uintptr) bool
	n    int
	err  error
}

// initIdle prepares the idle wait of a plain-TCP connection.
func (g *goroutineConn) initIdle() {
	sc, ok := g.tcp.(syscall.Conn)
	if !ok || g.tls != nil {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	g.idle = &idleWaiter{raw: raw, read: g.readWhenReady}
}

// readIdle reads the first bytes of the next request into the exchange's
// empty input buffer, waiting as long as the socket's read deadline
// allows. While nothing has arrived the exchange is back in the pool.
func (g *goroutineConn) readIdle() (int, error) {
	w := g.idle
	if w == nil {
		return g.ex.in.readFrom(g.nc.Read, headBufferLimit(&g.ex.parser))
	}
	w.n, w.err = 0, nil
	err := w.raw.Read(w.read)
	g.attachExchange(g)
	if err != nil {
		return 0, err // the read deadline passed, or the socket was closed
	}
	return w.n, w.err
}

// readWhenReady is readIdle's callback: it reads what the socket holds, or,
// when nothing is there yet, returns the exchange to the pool and asks to
// be called again once the socket is readable.
func (g *goroutineConn) readWhenReady(fd uintptr) bool {
	g.attachExchange(g)
	in := &g.ex.in
	in.ensure(headBufferLimit(&g.ex.parser))
	for {
		n, err := syscall.Read(int(fd), in.space())
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			g.releaseExchange()
			return false
		case err != nil:
			g.idle.err = os.NewSyscallError("read", err)
		case n == 0:
			g.idle.err = io.EOF
		default:
			in.commit(n)
			g.idle.n = n
		}
		return true
	}
}
