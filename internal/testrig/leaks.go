package testrig

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakGrace is how long CheckLeaks gives goroutines already on their way
// out (a client's read loop that has yet to see the server's FIN) before it
// calls them leaked. goleak alone waits about 0.4 s, which a loaded 2-core
// machine running -race can overrun; a real leak stays for good, so the
// longer wait costs only a failing test's time.
const leakGrace = 5 * time.Second

// CheckLeaks fails t, when it ends, if goroutines started since the call
// are still running.
//
// Call it first in a test: cleanups run last registered first, so the
// check comes after every other cleanup (servers closed, clients gone).
// Goroutines that were already running are not the test's and are ignored;
// opts can ignore more, each with a comment saying why it is not ours.
func CheckLeaks(t testing.TB, opts ...goleak.Option) {
	t.Helper()
	checkLeaksWithin(t, leakGrace, opts)
}

func checkLeaksWithin(t testing.TB, grace time.Duration, opts []goleak.Option) {
	opts = append(opts[:len(opts):len(opts)], goleak.IgnoreCurrent())
	t.Cleanup(func() {
		deadline := time.Now().Add(grace)
		err := goleak.Find(opts...) // retries for about 0.4 s itself
		for err != nil && time.Now().Before(deadline) {
			err = goleak.Find(opts...)
		}
		if err != nil {
			t.Error(err)
		}
	})
}
