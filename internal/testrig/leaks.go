package testrig

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakGrace is how long a leak check gives goroutines already on their way
// out (a client's read loop that has yet to see the server's FIN) before it
// calls them leaked. goleak alone waits about 0.4 s, which a loaded 2-core
// machine running -race can overrun; a real leak stays for good, so the
// longer wait costs only a failing test's time.
const leakGrace = 5 * time.Second

// Goroutines is a record of the goroutines running when it was taken.
type Goroutines struct{ before goleak.Option }

// TakeGoroutines records the goroutines running now.
func TakeGoroutines() Goroutines { return Goroutines{goleak.IgnoreCurrent()} }

// Leaked returns an error listing, with their stacks, the goroutines started
// since g was taken that are still running after a grace period; nil if
// there are none. opts can ignore more, each with a comment saying why it
// is not ours.
func (g Goroutines) Leaked(opts ...goleak.Option) error {
	return g.leakedWithin(leakGrace, opts)
}

func (g Goroutines) leakedWithin(grace time.Duration, opts []goleak.Option) error {
	opts = append(opts[:len(opts):len(opts)], g.before)
	deadline := time.Now().Add(grace)
	err := goleak.Find(opts...) // retries for about 0.4 s itself
	for err != nil && time.Now().Before(deadline) {
		err = goleak.Find(opts...)
	}
	return err
}

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
	g := TakeGoroutines()
	t.Cleanup(func() {
		if err := g.leakedWithin(grace, opts); err != nil {
			t.Error(err)
		}
	})
}
