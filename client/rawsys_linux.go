//go:build linux && !race

package client

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls of the write-and-wait (rawio_linux.go) on the connection's
// non-blocking socket, made raw, without telling the scheduler: they
// return at once (EAGAIN rather than wait), so there is nothing for it to
// hand off, and a call the scheduler sees is one that its monitor thread
// (sysmon) may find still running on its next look and hand the processor
// to another thread for: two context switches, and a monitor that keeps
// waking every 20 µs. The race detector's build uses the syscall
// package's calls instead (rawsys_race_linux.go): their annotations order
// a write on one socket before the read that sees it on another.

func rawWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}

func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}
