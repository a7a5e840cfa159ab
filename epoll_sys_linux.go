package holdfast

import (
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls on the engine's non-blocking sockets. They are made raw,
// without telling the scheduler: on a non-blocking socket accept4, read,
// write and writev return at once (EAGAIN rather than wait), so there is
// nothing for the scheduler to hand off, and skipping its bookkeeping
// (entersyscall, exitsyscall) saves a few hundred nanoseconds per request.
// The errors are unix.Errno values, as x/sys/unix returns them.

func readFD(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return sysResult(n, e)
}

func writeFD(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return sysResult(n, e)
}

// writevFD writes a then b (both non-empty) in one call.
func writevFD(fd int, a, b []byte) (int, error) {
	iov := [2]unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), 2)
	return sysResult(n, e)
}

// closeFD closes a socket without SO_LINGER, which returns at once.
func closeFD(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func sysResult(n uintptr, e unix.Errno) (int, error) {
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// accept4 accepts a connection and formats its peer's address, with the
// raw system call: x/sys/unix's Accept4 allocates a Sockaddr and, for some
// families, asks the socket for its protocol with one more system call.
func accept4(lfd int, buf *[]byte) (int, string, error) {
	var rsa unix.RawSockaddrAny
	size := uint32(unix.SizeofSockaddrAny)
	fd, _, errno := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&rsa)),
		uintptr(unsafe.Pointer(&size)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, "", errno
	}
	return int(fd), formatSockaddr(&rsa, (*buf)[:0]), nil
}

// formatSockaddr writes "ip:port" (or "[ip]:port") with one allocation.
func formatSockaddr(rsa *unix.RawSockaddrAny, b []byte) string {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		a := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		b = netip.AddrFrom4(a.Addr).AppendTo(b)
		return string(appendPort(b, a.Port))
	case unix.AF_INET6:
		a := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		b = append(b, '[')
		b = netip.AddrFrom16(a.Addr).Unmap().AppendTo(b)
		b = append(b, ']')
		return string(appendPort(b, a.Port))
	}
	return "unknown"
}

// appendPort appends ":port" from a port in network byte order.
func appendPort(b []byte, port uint16) []byte {
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port>>8|port<<8), 10)
}
