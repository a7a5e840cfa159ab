package netns

import (
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// heldNamespace keeps a namespace alive after `ip netns delete`, so a test
// can look inside once cleanup has run.
type heldNamespace struct{ fd int }

func holdNamespace(t *testing.T, h *Host) *heldNamespace {
	t.Helper()
	fd, err := unix.Open(h.path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(os.NewSyscallError("open", err))
	}
	return &heldNamespace{fd}
}

func (n *heldNamespace) release() { unix.Close(n.fd) }

// expectOnlyLoopback checks that every veth left the held namespace: they
// go when their peers' namespaces are destroyed, which the kernel does
// asynchronously after the last reference drops, hence the bounded wait.
func (n *heldNamespace) expectOnlyLoopback(t *testing.T) {
	t.Helper()
	enter := func() (func() error, error) { return switchTo(n.fd) }
	deadline := time.Now().Add(eventual)
	for {
		var ifs []net.Interface
		if err := inNamespace(enter, func() (err error) {
			ifs, err = net.Interfaces()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if names(ifs) == "lo" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("held namespace still has %s after cleanup", names(ifs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
