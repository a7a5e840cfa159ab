package netns

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the run if any topology outlived its test: the check every
// package using netns is expected to make.
func TestMain(m *testing.M) {
	code := m.Run()
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
}
