package netns

import (
	"testing"

	"holdfast/internal/testrig"
)

// TestMain fails the run if a goroutine or a topology outlived the tests:
// the check every package using netns is expected to make.
func TestMain(m *testing.M) { testrig.Main(m, CheckLeftovers) }
