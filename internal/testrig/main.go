package testrig

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Main runs a package's tests, then fails the run if a goroutine outlived
// them (goleak) or if any of checks reports something left behind. The
// checks run after goleak's verdict, whatever it is, so every failure is
// reported.
func Main(m *testing.M, checks ...func() error) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		for _, check := range checks {
			if err := check(); err != nil {
				fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
				code = 1
			}
		}
		os.Exit(code)
	}))
}
