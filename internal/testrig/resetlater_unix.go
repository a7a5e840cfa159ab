//go:build unix

package testrig

import (
	"net"

	"golang.org/x/sys/unix"
)

// resetLater waits, after src's FIN, for a reset from the same end (its
// host answers a segment sent after its close with one), which a network
// passes on like any segment; it reports false when src is closed first.
// The wait is for the socket's error: once a FIN has come, the socket
// stays readable, and only the reset's error is news.
func resetLater(src *net.TCPConn) bool {
	raw, err := src.SyscallConn()
	if err != nil {
		return false
	}
	soErr := 0
	err = raw.Read(func(fd uintptr) bool {
		soErr, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		return soErr != 0
	})
	return err == nil && soErr != 0
}
