package testrig

import (
	"testing"

	"go.uber.org/goleak"
)

// CheckLeaks fails t, when it ends, if goroutines started since the call
// are still running once goleak's grace period has passed.
//
// Call it first in a test: cleanups run last registered first, so the
// check comes after every other cleanup (servers closed, clients gone).
// Goroutines that were already running are not the test's and are ignored;
// opts can ignore more, each with a comment saying why it is not ours.
func CheckLeaks(t testing.TB, opts ...goleak.Option) {
	t.Helper()
	opts = append(opts[:len(opts):len(opts)], goleak.IgnoreCurrent())
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}
