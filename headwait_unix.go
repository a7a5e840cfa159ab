//go:build unix

package holdfast

import (
	"io"
	"os"
	"syscall"
)

// The goroutine engine's waits for request heads hold no exchange: between
// requests a connection keeps its goroutine and its record, and while a
// started head waits for more bytes, that head (parkedHead), not an
// exchange's buffers and header map (about 14 KiB), as the epoll engine
// does.

// headWaiter is what a plain-TCP connection of the goroutine engine needs
// for those waits: the socket's raw access and the callback, made once.
// Owned by the serve goroutine.
type headWaiter struct {
	raw  syscall.RawConn // nil over TLS (crypto/tls may hold records already read) or without a descriptor
	read func(uintptr) bool
	head *parkedHead // the started head, while parked
	n    int         // what the callback read
	err  error
}

// initHeadWaits prepares the head waits of a plain-TCP connection.
func (g *goroutineConn) initHeadWaits() {
	sc, ok := g.tcp.(syscall.Conn)
	if !ok || g.tls != nil {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	g.waiter = &headWaiter{raw: raw, read: g.readWhenReady}
}

// readHeadBytes reads more of a request head into the exchange's input
// buffer (the start of one, when it is empty), waiting as long as the
// socket's read deadline allows. While nothing arrives the exchange is
// back in the pool.
func (g *goroutineConn) readHeadBytes() (int, error) {
	w := g.waiter
	if w == nil {
		return g.readThrough()
	}
	w.n, w.err = 0, nil
	err := w.raw.Read(w.read)
	g.takeExchange()
	if err != nil {
		return 0, err // the read deadline passed, or the socket was closed
	}
	return w.n, w.err
}

// readWhenReady is readHeadBytes' callback: it reads what the socket
// holds or, when nothing is there yet, gives the exchange back (parking a
// started head) and asks to be called again once the socket is readable.
func (g *goroutineConn) readWhenReady(fd uintptr) bool {
	w := g.waiter
	g.takeExchange()
	in := &g.ex.in
	if !in.ensure(headBufferLimit(&g.ex.parser)) {
		w.err = errBufferFull
		return true
	}
	for {
		n, err := syscall.Read(int(fd), in.space())
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if in.len() > 0 {
				w.head = g.parkHead()
			} else {
				g.releaseExchange()
			}
			return false
		case err != nil:
			w.err = os.NewSyscallError("read", err)
		case n == 0:
			w.err = io.EOF
		default:
			in.commit(n)
			w.n = n
		}
		return true
	}
}

// takeExchange gives the connection an exchange again after a wait,
// holding its parked head if it has one.
func (g *goroutineConn) takeExchange() {
	if w := g.waiter; w.head != nil {
		g.unparkHead(w.head, g)
		w.head = nil
		return
	}
	g.attachExchange(g)
}
