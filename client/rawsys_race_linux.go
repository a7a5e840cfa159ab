//go:build linux && race

package client

import "syscall"

// The race detector's build of rawsys_linux.go: the syscall package's
// calls, whose annotations order a write on one socket before the read
// that sees it on another.

func rawWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return n, errnoOf(err)
}

func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return n, errnoOf(err)
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	return toErrno(err)
}
