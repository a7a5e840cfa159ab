//go:build !linux

package netns

import "testing"

// heldNamespace is never reached off Linux: New skips first.
type heldNamespace struct{}

func holdNamespace(t *testing.T, _ *Host) *heldNamespace {
	t.Fatal(ErrUnsupported)
	return nil
}

func (*heldNamespace) release()                        {}
func (*heldNamespace) expectOnlyLoopback(t *testing.T) {}
