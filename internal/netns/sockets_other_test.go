//go:build !linux

package netns

import (
	"net"
	"testing"
)

// The socket helpers are never reached off Linux: New skips first.

func retransmits(net.Conn) (uint32, error) { return 0, ErrUnsupported }

func closedPort(t *testing.T, _ *Host) string {
	t.Fatal(ErrUnsupported)
	return ""
}
