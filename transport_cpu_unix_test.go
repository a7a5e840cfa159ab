//go:build unix

package holdfast

import (
	"syscall"
	"time"
)

// ttCPUTime is the process's user+system CPU time so far: benchmarks
// report CPU per request, which other load on the machine disturbs less
// than wall time.
func ttCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
