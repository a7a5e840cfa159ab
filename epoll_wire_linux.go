package holdfast

import (
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/sockopt"
)

// The serving side of an epoll connection: the goroutine that answers its
// requests, and the wire it uses. The wire gives net.Conn-like blocking
// reads and writes on the non-blocking socket: when the socket is not
// ready, the goroutine waits for the loop to see it become so.

// serveBatch answers the request whose head is in the exchange, then any
// complete ones pipelined after it, writes the responses, and says what the
// loop is to do with the connection next.
func (c *loopConn) serveBatch(headLen int) msgKind {
	for {
		if !c.serveParsed(headLen) {
			if c.hijacked {
				return msgForget
			}
			return c.flushFor(msgClose)
		}
		var ok bool
		if headLen, ok = c.parseHead(); !ok {
			return c.flushFor(msgClose)
		}
		if headLen == 0 {
			return c.flushFor(msgIdle)
		}
	}
}

// flushFor writes out the responses; a failure closes the connection.
func (c *loopConn) flushFor(kind msgKind) msgKind {
	if c.flush() != nil {
		return msgClose
	}
	return kind
}

// signal records readiness the loop saw while the connection is busy, and
// wakes the serving goroutine if it waits. Called by the loop.
func (c *loopConn) signal(ev uint32) {
	c.events.Or(ev)
	if ev&(epoll.RDHup|epoll.Hup|epoll.Err) != 0 && c.flag(watching) {
		c.ex.rctx.cancel()
	}
	if c.flag(waiting) {
		select {
		case c.ex.ready <- struct{}{}:
		default:
		}
	}
}

// wait blocks until the loop reports one of mask, or d passes. A handler
// running inline on the loop's goroutine first hands the loop to another.
func (c *loopConn) wait(mask uint32, d time.Duration) error {
	if c.inlined {
		c.leaveLoop()
	}
	ex := c.ex
	c.flags.Or(waiting)
	defer c.flags.And(^uint32(waiting))
	if c.events.Load()&mask != 0 {
		return nil
	}
	if d <= 0 {
		<-ex.ready
		return nil
	}
	if ex.timer == nil {
		ex.timer = time.NewTimer(d)
	} else {
		ex.timer.Reset(d)
	}
	defer ex.timer.Stop()
	select {
	case <-ex.ready:
		return nil
	case <-ex.timer.C:
		return os.ErrDeadlineExceeded
	}
}

func (c *loopConn) readBody(p []byte) (int, error) {
	for {
		c.events.And(^uint32(readReady))
		n, err := readFD(c.fd, p)
		switch {
		case err == nil && n > 0:
			if n == len(p) {
				c.events.Or(epoll.In) // there may be more
			}
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return 0, os.NewSyscallError("read", err)
		}
		if err := c.wait(readReady, c.bodyWait()); err != nil {
			return 0, err
		}
	}
}

func (c *loopConn) write(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		c.events.And(^uint32(epoll.Out))
		n, err := writeFD(c.fd, p[total:])
		if n > 0 {
			total += n
		}
		switch {
		case err == nil || err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return total, sockopt.DiagnoseFD(os.NewSyscallError("write", err), c.fd)
		}
		if err := c.watchOut(); err != nil {
			return total, err
		}
		if err := c.wait(writeReady, c.srv.pol().sendTimeout); err != nil {
			return total, err
		}
	}
	return total, nil
}

// watchOut registers the socket for writability, the first time a write
// must wait; the registration reports at once a socket that became
// writable since the write failed, so no wake-up is lost.
func (c *loopConn) watchOut() error {
	if c.outWatch {
		return nil
	}
	c.outWatch = true
	return c.l.poll.Mod(c.fd, readReady|epoll.Out|epoll.Edge, tagConn)
}

func (c *loopConn) writev(a, b []byte) (int64, error) {
	if len(a) == 0 {
		n, err := c.write(b)
		return int64(n), err
	}
	c.events.And(^uint32(epoll.Out))
	if len(b) == 0 {
		n, err := c.write(a)
		return int64(n), err
	}
	n, err := writevFD(c.fd, a, b)
	if err != nil && err != unix.EAGAIN && err != unix.EINTR {
		return 0, sockopt.DiagnoseFD(os.NewSyscallError("writev", err), c.fd)
	}
	n = max(n, 0)
	// Whatever did not go out in one call goes through write.
	var total int64 = int64(n)
	if n < len(a) {
		m, err := c.write(a[n:])
		total += int64(m)
		if err != nil {
			return total, err
		}
		n = len(a)
	}
	m, err := c.write(b[n-len(a):])
	return total + int64(m), err
}

// watch makes the peer's going away cancel the request: the loop calls
// cancel when it sees the peer close or fail.
func (c *loopConn) watch(rc *reqContext) {
	c.flags.Or(watching)
	if c.events.Load()&(epoll.RDHup|epoll.Hup|epoll.Err) != 0 {
		rc.cancel()
	}
}

// unwatch stops it. A closed peer is found by the next read, after any
// request bytes it sent before closing.
func (c *loopConn) unwatch() { c.flags.And(^uint32(watching)) }

// hijack hands the socket over as a net.Conn: a duplicate of the
// descriptor, registered with the Go runtime. The loop closes the original
// (msgForget), so that its number is not reused while the loop may still
// hold events for it.
func (c *loopConn) hijack() (net.Conn, error) {
	c.l.poll.Del(c.fd)
	dup, err := unix.FcntlInt(uintptr(c.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(dup), c.remote)
	defer f.Close() // FileConn made its own duplicate
	return net.FileConn(f)
}

func (c *loopConn) localAddr() net.Addr {
	sa, err := unix.Getsockname(c.fd)
	if err != nil {
		return nil
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}

// clock is the loop's reading while the request is served inline and the
// loop has not been taken over (so the reading is at most a few monitor
// periods old); otherwise a fresh one.
func (c *loopConn) clock() (time.Time, int64) {
	if c.inlined && c.l.inlineSeq.Load() == c.ex.inlineSeq {
		return time.Unix(0, c.l.clockWall.Load()), c.l.clockMono.Load()
	}
	return now()
}

// wake asks the loop to close the connection if it is idle (Shutdown).
func (c *loopConn) wake() { c.l.post(loopMsg{kind: msgWake, c: c}) }

// abort shuts the socket down under the connection (Close): the loop and
// any serving goroutine see it fail and close it.
func (c *loopConn) abort() { unix.Shutdown(c.fd, unix.SHUT_RDWR) }
