//go:build unix

package client

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time so far: benchmarks
// report CPU per request, which other load on the machine disturbs less
// than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
