package admin_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(holdEnv); spec != "" {
		os.Exit(runHolder(spec))
	}
	goleak.VerifyTestMain(m)
}
