package holdfast

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls on the engine's non-blocking sockets. They are made raw,
// without telling the scheduler: on a non-blocking socket read, write and
// writev return at once (EAGAIN rather than wait), so there is nothing for
// the scheduler to hand off, and skipping its bookkeeping (entersyscall,
// exitsyscall) saves a few hundred nanoseconds per request. The errors are
// unix.Errno values, as x/sys/unix returns them.

func nbRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return sysResult(n, e)
}

func nbWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return sysResult(n, e)
}

// nbWritev writes a then b (both non-empty) in one call.
func nbWritev(fd int, a, b []byte) (int, error) {
	iov := [2]unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), 2)
	return sysResult(n, e)
}

// nbClose closes a socket without SO_LINGER, which returns at once.
func nbClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func sysResult(n uintptr, e unix.Errno) (int, error) {
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
