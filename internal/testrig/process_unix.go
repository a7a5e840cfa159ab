//go:build unix

package testrig

import (
	"syscall"
	"time"
)

// CPUTime is the process's user+system CPU time so far: benchmarks report
// CPU per operation, which other load on the machine disturbs less than
// wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// OpenFileLimit is the process's soft limit on open files.
func OpenFileLimit() uint64 {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	return uint64(lim.Cur)
}
