package netns

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"sync"
)

// Host is one network namespace of a Topology.
type Host struct {
	// Name is the namespace's name, as `ip netns` knows it.
	Name string
	// Addr is the host's address on its link. The router has two; Addr is
	// its server-side one and Client.Gateway its client-side one.
	Addr netip.Addr
	// Gateway is the router's address on this host's link (the default
	// route); zero for the router itself.
	Gateway netip.Addr

	topo *Topology // set by newTopology, read-only afterwards

	mu    sync.Mutex      // serialises filter changes on this host
	drops map[string]bool // filter tables installed; guarded by mu
}

// path is where the namespace is mounted.
func (h *Host) path() string { return filepath.Join(netnsDir, h.Name) }

// Do runs f on an OS thread switched into the host's namespace and returns
// its error. Sockets f creates stay in the namespace for their whole life.
// Goroutines f starts run in the root namespace, like every other
// goroutine. A panic in f is re-raised in the caller, so a test's cleanups
// still run.
func (h *Host) Do(f func() error) error {
	return inNamespace(func() (func() error, error) { return enter(h.path()) }, f)
}

// inNamespace runs f on an OS thread locked to its goroutine, after enter
// has switched that thread into a namespace. On success enter returns the
// switch back; on failure it must leave the thread unchanged.
//
// The thread is switched back rather than left to die with its goroutine:
// the runtime does not end the main thread when a goroutine locked to it
// exits, it parks it for good, and a parked thread would keep the
// namespace (and its veths) alive until the process exits. If switching
// back fails the thread stays locked, so no other goroutine ever runs on it.
func inNamespace(enter func() (restore func() error, err error), f func() error) error {
	type result struct {
		err      error
		panicked bool
		value    any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var r result
		defer func() { // runs last, after the switch back
			if v := recover(); v != nil {
				r.panicked, r.value = true, v
			}
			done <- r
		}()
		restore, err := enter()
		if err != nil {
			runtime.UnlockOSThread()
			r.err = err
			return
		}
		defer func() {
			if restore() == nil {
				runtime.UnlockOSThread()
			}
		}()
		r.err = f()
	}()
	r := <-done
	if r.panicked {
		panic(r.value)
	}
	return r.err
}

// Listen is net.Listen inside the host.
func (h *Host) Listen(network, address string) (net.Listener, error) {
	var ln net.Listener
	err := h.Do(func() (err error) {
		ln, err = net.Listen(network, address)
		return err
	})
	return ln, err
}

// Dial is a zero net.Dialer's DialContext inside the host.
func (h *Host) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	return h.Dialer(nil)(ctx, network, address)
}

// Dialer returns a dial function, for http.Transport.DialContext and the
// like, that dials with d (a zero net.Dialer when nil) inside the host.
// d's Control and KeepAlive settings apply as usual, so tests can set
// socket options such as TCP_USER_TIMEOUT there.
func (h *Host) Dialer(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		var c net.Conn
		err := h.Do(func() (err error) {
			c, err = d.DialContext(ctx, network, address)
			return err
		})
		return c, err
	}
}

// Exec runs name with args inside the host (`ip netns exec`) and returns
// its standard output. A failure is wrapped in ErrCommand with the command
// line and output. The command is killed when ctx ends, and after ten
// seconds at most.
func (h *Host) Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	return run(ctx, "", "ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
}
