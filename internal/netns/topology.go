package netns

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// netnsDir is where iproute2 mounts named namespaces (NETNS_RUN_DIR).
const netnsDir = "/run/netns"

// Interface names. They live inside the namespaces, so every topology can
// reuse them; only namespace names must be unique on the machine.
const (
	hostIface     = "eth0"
	routerToSrv   = "to-server"
	routerToCli   = "to-client"
	linkPrefixLen = 25 // two /25 links carved from one /24 per topology
)

// topologies numbers New calls in this process; atomic.
var topologies atomic.Uint32

// Topology is server <-> router <-> client. Its fields are set by New and
// read-only afterwards.
type Topology struct {
	Server, Router, Client *Host

	fw firewall // how packets are dropped; chosen once by New
}

// New builds a topology for t, or skips t (with a message naming what is
// missing) when this machine cannot. Everything it creates is removed by a
// t.Cleanup registered before anything is created, so a failure half way,
// a failed test or a panicking test leaves nothing behind.
func New(t testing.TB) *Topology {
	t.Helper()
	if reason := currentEnvironment().skipReason(); reason != "" {
		t.Skip(reason)
	}
	tp := newTopology(os.Getpid(), topologies.Add(1))
	t.Cleanup(func() {
		if err := tp.remove(); err != nil {
			t.Errorf("netns: cleanup: %v", err)
		}
	})
	ctx := t.Context()
	if err := tp.build(ctx); err != nil {
		t.Fatalf("netns: building topology: %v", err)
	}
	fw, err := pickFirewall(ctx, tp.Router)
	if err != nil {
		t.Skipf("netns: skipping: cannot drop packets in a namespace: %v", err)
	}
	tp.fw = fw
	return tp
}

// newTopology names and addresses topology n of process pid. The /24 is
// 10.X.Y.0 with X.Y from n, so 16384 topologies per process are distinct.
func newTopology(pid int, n uint32) *Topology {
	prefix := fmt.Sprintf("%s%d-", namePrefix, pid)
	base := netip.AddrFrom4([4]byte{10, byte(64 + (n>>8)%64), byte(n), 0})
	at := func(i byte) netip.Addr {
		a := base.As4()
		a[3] = i
		return netip.AddrFrom4(a)
	}
	tp := &Topology{
		Server: &Host{Name: fmt.Sprintf("%s%d-server", prefix, n), Addr: at(2), Gateway: at(1)},
		Router: &Host{Name: fmt.Sprintf("%s%d-router", prefix, n), Addr: at(1)},
		Client: &Host{Name: fmt.Sprintf("%s%d-client", prefix, n), Addr: at(130), Gateway: at(129)},
	}
	for _, h := range tp.hosts() {
		h.topo = tp
	}
	return tp
}

// namePrefix starts every namespace this package creates.
const namePrefix = "hf-"

func (tp *Topology) hosts() []*Host { return []*Host{tp.Server, tp.Router, tp.Client} }

// build creates the namespaces, links, addresses and routes.
func (tp *Topology) build(ctx context.Context) error {
	for _, h := range tp.hosts() {
		if _, err := run(ctx, "", "ip", "netns", "add", h.Name); err != nil {
			return err
		}
	}
	// Created with each end already in its namespace: nothing ever appears
	// in the root namespace, even for a moment.
	for _, l := range [][4]string{
		{hostIface, tp.Server.Name, routerToSrv, tp.Router.Name},
		{hostIface, tp.Client.Name, routerToCli, tp.Router.Name},
	} {
		if _, err := run(ctx, "", "ip", "link", "add", l[0], "netns", l[1],
			"type", "veth", "peer", "name", l[2], "netns", l[3]); err != nil {
			return err
		}
	}
	if err := tp.configure(ctx); err != nil {
		return err
	}
	// Forwarding is per namespace and off in a new one.
	return tp.Router.Do(func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644)
	})
}

// configure addresses the links and routes the end hosts via the router,
// one `ip -batch` per namespace.
func (tp *Topology) configure(ctx context.Context) error {
	cidr := func(h *Host) string { return fmt.Sprintf("%s/%d", h.Addr, linkPrefixLen) }
	batches := map[*Host][]string{
		tp.Server: {
			"link set lo up",
			"addr add " + cidr(tp.Server) + " dev " + hostIface,
			"link set " + hostIface + " up",
			"route add default via " + tp.Server.Gateway.String(),
		},
		tp.Router: {
			"link set lo up",
			"addr add " + cidr(tp.Router) + " dev " + routerToSrv,
			fmt.Sprintf("addr add %s/%d dev %s", tp.Client.Gateway, linkPrefixLen, routerToCli),
			"link set " + routerToSrv + " up",
			"link set " + routerToCli + " up",
		},
		tp.Client: {
			"link set lo up",
			"addr add " + cidr(tp.Client) + " dev " + hostIface,
			"link set " + hostIface + " up",
			"route add default via " + tp.Client.Gateway.String(),
		},
	}
	for h, lines := range batches {
		stdin := strings.Join(lines, "\n") + "\n"
		if _, err := run(ctx, stdin, "ip", "-n", h.Name, "-batch", "-"); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes whichever of the namespaces exist; deleting a namespace
// deletes its end of each veth, which deletes the pair.
func (tp *Topology) remove() error {
	var errs []error
	for _, h := range tp.hosts() {
		if _, err := os.Stat(filepath.Join(netnsDir, h.Name)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if _, err := run(background(), "", "ip", "netns", "delete", h.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Leftovers lists the namespaces created by this process that still
// exist. It is empty once every topology's cleanup has run; TestMain of a
// package using netns checks that. Namespaces are the only global objects
// this package creates. Other processes' namespaces are not listed, so
// parallel test binaries do not see each other's work in progress.
func Leftovers() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netns: listing %s: %w", netnsDir, err)
	}
	mine := fmt.Sprintf("%s%d-", namePrefix, os.Getpid())
	var left []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), mine) {
			left = append(left, e.Name())
		}
	}
	return left, nil
}

// CheckLeftovers is Leftovers as a check for a test binary's end: an error
// naming the namespaces left behind, or nil.
func CheckLeftovers() error {
	left, err := Leftovers()
	switch {
	case err != nil:
		return err
	case len(left) > 0:
		return fmt.Errorf("netns: namespaces left behind: %v", left)
	}
	return nil
}
