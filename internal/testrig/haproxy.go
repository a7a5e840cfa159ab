package testrig

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FindHAProxy returns the haproxy binary: from PATH, else Debian's
// /usr/sbin/haproxy, else ErrNoHAProxy.
func FindHAProxy() (string, error) { return findBinary("haproxy", ErrNoHAProxy) }

// HAProxy is a running HAProxy, in the foreground (-db), owned by the
// test that started it.
type HAProxy struct {
	Addr string // where conf told it to bind
	Dir  string // haproxy.cfg and output.log

	end    context.CancelFunc // ends the command's context: SIGTERM (cmd.Cancel), SIGKILL 5 s later (cmd.WaitDelay)
	exited chan struct{}      // closed once the process has been waited for
}

// StartHAProxy runs HAProxy on the configuration conf returns for a free
// loopback address (the frontend's bind), and returns once it accepts
// connections there. It is stopped when the test ends; the test is
// skipped when HAProxy is not installed and fails if it does not start.
func StartHAProxy(t testing.TB, conf func(addr string) string) *HAProxy {
	t.Helper()
	bin, err := FindHAProxy()
	if err != nil {
		t.Skip(err)
	}
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	h := &HAProxy{Addr: addr, Dir: t.TempDir(), exited: make(chan struct{})}
	path := filepath.Join(h.Dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf(addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.start(bin, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.stop)
	if err := h.waitReady(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *HAProxy) start(bin, conf string) error {
	out, err := os.Create(filepath.Join(h.Dir, "output.log"))
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own copy
	ctx, end := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-db", "-f", conf)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second // then SIGKILL
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		end()
		return fmt.Errorf("%w: %v", ErrHAProxyStart, err)
	}
	h.end = end
	go func() {
		cmd.Wait()
		close(h.exited)
	}()
	return nil
}

// waitReady dials until HAProxy accepts, exits, or limit passes.
func (h *HAProxy) waitReady(limit time.Duration) error {
	exited := func() error {
		select {
		case <-h.exited:
			return fmt.Errorf("%w: exited: %s", ErrHAProxyStart, h.Output())
		default:
			return nil
		}
	}
	if err := waitListening(h.Addr, limit, exited); err != errNotListening {
		return err
	}
	return fmt.Errorf("%w: not listening on %s after %v: %s", ErrHAProxyStart, h.Addr, limit, h.Output())
}

// Output is what HAProxy wrote: its warnings and, with -db, its log.
func (h *HAProxy) Output() string {
	b, _ := os.ReadFile(filepath.Join(h.Dir, "output.log"))
	return strings.TrimSpace(string(b))
}

// stop ends HAProxy and waits for its exit.
func (h *HAProxy) stop() {
	h.end()
	<-h.exited
}
