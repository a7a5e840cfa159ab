// Package leakcheck is a test helper: it fails a test that leaves
// goroutines behind. Tests of several packages use it, so that the check is
// written once.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Check counts the goroutines now and, when the test ends, fails it if
// more remain after a grace period for those already on their way out.
// Call it first in a test, so that its cleanup runs after all others.
func Check(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines left behind (had %d):\n%s", n-before, before, buf[:runtime.Stack(buf, true)])
		}
	})
}
