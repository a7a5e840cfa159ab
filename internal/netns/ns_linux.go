package netns

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// enter switches the calling OS thread, which the caller has locked, into
// the network namespace mounted at path, and returns the switch back.
func enter(path string) (restore func() error, err error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrRemoved, path)
	}
	if err != nil {
		return nil, os.NewSyscallError("open "+path, err)
	}
	defer unix.Close(fd)
	return switchTo(fd)
}

// switchTo moves the calling thread into the network namespace fd refers
// to. On error the thread has not moved.
func switchTo(fd int) (restore func() error, err error) {
	// thread-self, not self: namespaces are per thread, and self is the
	// main thread.
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("open /proc/thread-self/ns/net", err)
	}
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		unix.Close(home)
		return nil, os.NewSyscallError("setns", err)
	}
	return func() error {
		defer unix.Close(home)
		return os.NewSyscallError("setns back", unix.Setns(home, unix.CLONE_NEWNET))
	}, nil
}

// effectiveCaps reads CapEff of this process, or 0 when it cannot be read
// (which makes New skip, the safe answer).
func effectiveCaps() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0
			}
			return caps
		}
	}
	return 0
}
