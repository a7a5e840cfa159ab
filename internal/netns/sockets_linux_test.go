package netns

import (
	"net"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Socket helpers for the tests, Linux only like the package's hosts.

// retransmits reports TCP_INFO's total retransmissions of c.
func retransmits(c net.Conn) (uint32, error) {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var info *unix.TCPInfo
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return 0, err
	}
	if ierr != nil {
		return 0, os.NewSyscallError("getsockopt TCP_INFO", ierr)
	}
	return info.Total_retrans, nil
}

// closedPort returns an address on h where nothing listens: a dial there
// is refused by h's kernel with RST, unless something drops it. The port
// is held by a bound, never listening socket until the test ends, rather
// than found by closing a listener: a listener copied into a concurrently
// forked child would go on accepting for a moment.
func closedPort(t *testing.T, h *Host) string {
	t.Helper()
	fd, port := -1, 0
	err := h.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return os.NewSyscallError("socket", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: h.Addr.As4()}); err != nil {
			return os.NewSyscallError("bind", err)
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			return os.NewSyscallError("getsockname", err)
		}
		port = sa.(*unix.SockaddrInet4).Port
		return nil
	})
	if fd >= 0 {
		t.Cleanup(func() { unix.Close(fd) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(h.Addr, uint16(port)).String()
}
