package holdfast

import (
	"runtime"
	"strconv"
	"sync/atomic"
)

// Ownership checks. State that one goroutine owns (an epoll loop's: its
// timing wheel, its read buffer, the fields of the records it keeps) is
// checked at the entry of the operations on it while checkOwner is on: a
// failed check is recorded, and the package's tests turn the checks on and
// fail the run if any was recorded (TestMain). Off, as in every program but
// those tests, a check costs one load and a branch.

// checkOwner turns the checks on. It is set before any server runs.
var checkOwner atomic.Bool

var (
	ownerFailures     atomic.Uint64
	firstOwnerFailure atomic.Pointer[string] // what failed first, and where
)

// ownerFailed records a check that failed: what was touched, and the stack
// of the goroutine that touched it.
func ownerFailed(what string) {
	if ownerFailures.Add(1) != 1 {
		return
	}
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	report := what + "\n" + string(buf)
	firstOwnerFailure.Store(&report)
}

// takeOwnerFailures returns the failed checks recorded so far, with the
// first one's report, and forgets them.
func takeOwnerFailures() (uint64, string) {
	n := ownerFailures.Swap(0)
	var first string
	if p := firstOwnerFailure.Swap(nil); p != nil {
		first = *p
	}
	return n, first
}

// goroutineID is the calling goroutine's number, as its stack trace shows
// it ("goroutine 42 [running]:"). It costs a stack trace: only the checks
// use it.
func goroutineID() uint64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	var id uint64
	for _, c := range b[min(len(prefix), len(b)):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

func goroutineName(id uint64) string { return "goroutine " + strconv.FormatUint(id, 10) }
