//go:build !unix

package testrig

import "time"

// CPUTime is zero where the process's CPU time is not read: benchmarks
// then report no CPU per operation.
func CPUTime() time.Duration { return 0 }

// OpenFileLimit is zero where the limit on open files is not read: tests
// that need many descriptors then skip.
func OpenFileLimit() uint64 { return 0 }
