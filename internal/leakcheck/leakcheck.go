// Package leakcheck fails a test that leaves goroutines behind.
//
// Deprecated: use testrig.CheckLeaks, which this package calls.
package leakcheck

import (
	"testing"

	"holdfast/internal/testrig"
)

// Check is testrig.CheckLeaks.
//
// Deprecated: use testrig.CheckLeaks.
func Check(t testing.TB) {
	t.Helper()
	testrig.CheckLeaks(t)
}
