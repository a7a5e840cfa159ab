package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// Drop sets: which hooks each fault closes.
var (
	crashHooks = []string{"input", "output", "forward"}
	breakHooks = []string{"forward"}
)

// Crash silently drops every packet into, out of and through the host, as
// if it had lost power: peers get no RST and no ICMP. Sockets on the host
// are untouched and resume when Recover lifts the drop. Sends from the
// crashed host itself may fail with EPERM, which no peer can observe.
func (h *Host) Crash() error { return h.setDrop("crash", crashHooks, true) }

// Recover lifts Crash. Connections whose peers have not given up resume
// with the next retransmission.
func (h *Host) Recover() error { return h.setDrop("crash", crashHooks, false) }

// Reboot models a host that crashed and came back: with its traffic
// dropped, it destroys conns (SO_LINGER 0 then Close, so nothing lingers
// in the kernel, and the reset that sends is dropped), waits until the
// kernel has forgotten them, then lifts the drop. The peers still believe
// in their connections; their next segment reaches a kernel with no such
// socket and is answered with RST. The host is up afterwards even if it
// was crashed before. conns must be TCP connections created on this host
// (a *net.TCPConn, or anything with NetConn returning one).
func (h *Host) Reboot(conns ...net.Conn) error {
	if err := h.Crash(); err != nil {
		return err
	}
	var errs []error
	for _, c := range conns {
		errs = append(errs, h.destroy(c))
	}
	errs = append(errs, h.Recover())
	return errors.Join(errs...)
}

// destroy resets c and waits until its socket is gone from the host. A
// plain Close would leave it in FIN_WAIT, still answering its peer.
func (h *Host) destroy(c net.Conn) error {
	raw := c
	if w, ok := raw.(interface{ NetConn() net.Conn }); ok {
		raw = w.NetConn()
	}
	l, ok := raw.(interface{ SetLinger(int) error })
	local, lok := raw.LocalAddr().(*net.TCPAddr)
	remote, rok := raw.RemoteAddr().(*net.TCPAddr)
	if !ok || !lok || !rok {
		return errors.Join(fmt.Errorf("%w: %T", ErrNotTCP, c), c.Close())
	}
	if err := l.SetLinger(0); err != nil {
		return errors.Join(err, c.Close())
	}
	if err := closeNow(c); err != nil {
		return err
	}
	return h.waitGone(local.Port, remote.Port)
}

// closeNow closes c while no fork is in flight. A child forked by any
// goroutine (ip and nft, here) holds a copy of every descriptor until it
// execs; closing in that window only drops our copy, and the socket dies,
// sending its reset, when the child's copy goes. Go forks holding ForkLock
// for writing until the child has started to exec, which narrows the
// window to the few microseconds before the child closes its copies;
// waitGone covers those.
func closeNow(c io.Closer) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	return c.Close()
}

// goneTimeout bounds waitGone; a socket outlives its close only while a
// forked child still holds a copy, which is microseconds.
const goneTimeout = 5 * time.Second

// waitGone waits until the host has no TCP socket between the two ports,
// so the reset it sends when it finally dies is still dropped.
func (h *Host) waitGone(local, remote int) error {
	ctx, cancel := context.WithTimeout(background(), goneTimeout)
	defer cancel()
	filter := fmt.Sprintf("sport = :%d and dport = :%d", local, remote)
	for {
		out, err := run(ctx, "", "ip", "netns", "exec", h.Name, "ss", "-Htan", filter)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(out)) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("netns: %s: socket %s still exists after close: %w", h.Name, bytes.TrimSpace(out), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// BreakPath makes the router silently drop everything it would forward
// between server and client; the end hosts stay up and can still reach
// the router itself.
func (tp *Topology) BreakPath() error { return tp.Router.setDrop("break", breakHooks, true) }

// RepairPath lifts BreakPath.
func (tp *Topology) RepairPath() error { return tp.Router.setDrop("break", breakHooks, false) }

// setDrop installs or removes a drop set at most once, so repeated Crash or
// Recover calls are harmless with either firewall.
func (h *Host) setDrop(set string, hooks []string, on bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.drops[set] == on {
		return nil
	}
	fw, verb := h.topo.fw, "installing"
	var err error
	if on {
		err = fw.drop(background(), h, set, hooks)
	} else {
		verb = "removing"
		err = fw.undrop(background(), h, set, hooks)
	}
	if err != nil {
		return fmt.Errorf("netns: %s %q drop on %s with %v: %w", verb, set, h.Name, fw, err)
	}
	if h.drops == nil {
		h.drops = make(map[string]bool)
	}
	h.drops[set] = on
	return nil
}
