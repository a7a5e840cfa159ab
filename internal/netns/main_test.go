package netns

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlived the tests (goleak) or if
// any topology outlived its test: the check every package using netns is
// expected to make. The second runs through goleak's Cleanup hook, after
// the first, whatever its verdict.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		left, err := Leftovers()
		switch {
		case err != nil:
			fmt.Fprintln(os.Stderr, "netns: checking leftovers:", err)
			code = 1
		case len(left) > 0:
			fmt.Fprintln(os.Stderr, "netns: namespaces left behind:", left)
			code = 1
		}
		os.Exit(code)
	}))
}
