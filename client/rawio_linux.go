package client

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// flushAwait writes the request in c.wbuf, all of it, and waits for the
// answer's first bytes, which it reads into the input buffer: one write, one read.
//
// Writing with nc.Write and then reading with nc.Read costs a read more:
// the server has not answered a few hundred nanoseconds after the write,
// so the first read finds nothing (EAGAIN) before the goroutine waits. The
// wait cannot simply go first: Go's poller forgets, as a read is prepared,
// the readiness it saw before, so a response that came in between would be
// waited for in vain. Inside RawConn.Read the read is prepared before the
// callback runs, and an answer to a write made from the callback cannot
// come before that; so the callback writes, has the poller wait, and reads.
//
// What the server sent unasked before the read was prepared is forgotten
// the same way: the FIN of a server that closed the idle connection, which
// may be the last thing it ever sends (a server that half-closes and reads
// on, lingering, sends no reset when the request arrives). So the callback
// first looks at the socket (see sendStep), and when it holds anything, it
// reads at once instead of waiting for a wakeup that will not come.
//
// When the socket takes only part of the request (a full send buffer),
// the rest goes through nc.Write and the answer through fill, as usual.
// An error of the first read is kept in c.pending for the next fill, so
// that it reaches the caller where a read error does.
func (c *persistConn) flushAwait() error {
	if c.sendFn == nil || c.trace != nil {
		// With a trace, WroteRequest must fire before GotFirstResponseByte.
		return c.flush()
	}
	if c.in.Len() > 0 {
		// Bytes are waiting (a final answer after a 100): the answer may
		// be complete, and waiting for more would hang.
		return c.flush()
	}
	c.in.Reset()
	if t := c.h.t.cfg.headerTimeout; t > 0 {
		// awaitHead sets it again, a moment later.
		c.nc.SetReadDeadline(time.Now().Add(t))
	}
	c.sendOff, c.sendDone, c.recvN, c.sendErr, c.recvErr = 0, false, 0, 0, 0
	c.markWritten()
	err := c.raw.Read(c.sendFn)
	rest := c.wbuf[c.sendOff:]
	c.wbuf = c.wbuf[:0]
	switch {
	case c.sendErr != 0:
		return c.opError("write", c.sendErr)
	case !c.sendDone && err != nil:
		return err // closed (canceled) before the callback ran
	case !c.sendDone:
		return c.write(rest)
	}
	switch {
	case err != nil:
		c.pending = err
	case c.recvErr != 0:
		c.pending = c.opError("read", c.recvErr)
	case c.recvN == 0:
		c.pending = io.EOF
	default:
		c.in.End += c.recvN
		c.firstByte()
	}
	return nil
}

// sendStep is flushAwait's RawConn callback, made once per connection. Its
// first call looks at the socket, then writes c.wbuf; the calls after that
// read. It returns false to have the poller wait for the socket to be
// readable. It calls the syscall package, as net.Conn does, whose
// race-detector annotations order a write on one socket before the read
// that sees it on another.
//
// The look is peekFD's (a recv of one byte with MSG_PEEK): it finds the
// server's FIN or a reset that arrived before the read was prepared,
// whether or not the check before reuse ran, and however long ago it ran.
// A FIN or a reset is the exchange's answer: the request is not written
// (the server will read nothing, or the reset says it is gone), and the
// read's result, EOF or the error, goes to the caller as if a read after
// the write had returned it: on a reused connection, the reuse race. Bytes
// the server sent unasked do not stop the write (they may be the 100 that
// a held-back body waited for), and are read right after it.
func (c *persistConn) sendStep(fd uintptr) bool {
	if c.sendDone {
		return c.recvStep(fd)
	}
	c.peekFD(fd)
	switch {
	case c.peekErr == unix.EAGAIN: // nothing: the answer will wake the wait
	case c.peekErr != nil:
		c.sendDone, c.recvErr = true, toErrno(c.peekErr)
		return true
	case c.peekN == 0: // the FIN: recvN 0 is EOF
		c.sendDone = true
		return true
	}
	if !c.sendAll(fd) {
		return true
	}
	c.sendDone = true
	if c.peekErr == unix.EAGAIN {
		return false
	}
	return c.recvStep(fd) // bytes already there: no wakeup will say so
}

// sendAll writes what is left of c.wbuf. It reports false when it stopped
// early: on an error (in c.sendErr), or on a full send buffer, for
// flushAwait to write the rest.
func (c *persistConn) sendAll(fd uintptr) bool {
	for c.sendOff < len(c.wbuf) {
		n, err := syscall.Write(int(fd), c.wbuf[c.sendOff:])
		if n > 0 {
			c.sendOff += n
		}
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.sendErr = toErrno(err)
			return false
		case n <= 0:
			c.sendErr = unix.EIO
			return false
		}
	}
	return true
}

// recvStep reads the answer's first bytes into the input buffer; false:
// nothing yet, wait.
func (c *persistConn) recvStep(fd uintptr) bool {
	for {
		n, err := syscall.Read(int(fd), c.in.Buf[c.in.End:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false // woken early: wait again
		case err != nil:
			c.recvErr = toErrno(err)
		default:
			c.recvN = n
		}
		return true
	}
}

func toErrno(err error) syscall.Errno {
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return unix.EIO
}

// opError wraps a system call's error as net.Conn's Read and Write do.
func (c *persistConn) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(),
		Err: os.NewSyscallError(op, errno)}
}
