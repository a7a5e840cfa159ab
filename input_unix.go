//go:build unix

package holdfast

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// hasInput reports whether bytes wait unread in the socket under nc: a
// request that raced a close the server decided on. Closing a socket
// with unread input sends RST instead of FIN, and the client may lose
// the response it was reading; so such a request is answered first.
func hasInput(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	found := false
	raw.Control(func(fd uintptr) { found = fdHasInput(int(fd)) })
	return found
}

// fdHasInput is hasInput on a descriptor.
func fdHasInput(fd int) bool {
	var b [1]byte
	n, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == nil && n > 0
}
