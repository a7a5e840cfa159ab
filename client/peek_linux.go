package client

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// peekAlive looks at the socket without blocking and without consuming:
// recv(MSG_PEEK|MSG_DONTWAIT) of one byte. EAGAIN is the only healthy
// answer; 0 is the server's FIN, a byte is something it sent unasked (a
// 408 before closing), and an error is a reset.
func (c *persistConn) peekAlive() bool {
	c.peekN, c.peekErr = 0, nil
	if err := c.raw.Control(c.peekFn); err != nil {
		return false
	}
	return c.peekErr == unix.EAGAIN
}

// peekFD is peekAlive's Control function, made once per connection so the
// check allocates nothing.
// It calls recvfrom directly: unix.Recvfrom allocates its address buffer,
// which a connected TCP socket never fills; and raw, as the write-and-wait
// makes its calls (see rawsys_linux.go): with MSG_DONTWAIT it returns at
// once.
func (c *persistConn) peekFD(fd uintptr) {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&c.peekBuf[0])), 1,
			unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		c.peekN, c.peekErr = int(n), nil
		if errno != 0 {
			c.peekErr = errno
		}
		return
	}
}
