package netns

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTopologyRoutes(t *testing.T) {
	t.Parallel()
	tp := New(t)
	client, server := connPair(t, tp) // asserts routing without NAT
	if got := client.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != tp.Server.Addr {
		t.Errorf("client sees peer %v, want %v", got, tp.Server.Addr)
	}
	expectDial(t, tp.Client, closedPort(t, tp.Server), "refused")
	// The path really goes through the router: with its forwarding off,
	// the hosts cannot talk.
	if err := tp.Router.Do(func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("0\n"), 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	expectDial(t, tp.Client, closedPort(t, tp.Server), "timeout")
	expectSilence(t, server, "server")
}

func TestDialerForHTTP(t *testing.T) {
	t.Parallel()
	tp := New(t)
	ln, err := tp.Server.Listen("tcp4", netip.AddrPortFrom(tp.Server.Addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tr := &http.Transport{DialContext: tp.Client.Dialer(nil)}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		<-done
	})

	ctx, cancel := context.WithTimeout(t.Context(), eventual)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/", nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := netip.ParseAddrPort(string(body))
	if err != nil || got.Addr() != tp.Client.Addr {
		t.Fatalf("server saw remote %q, want the client's %v", body, tp.Client.Addr)
	}
}

func TestDoAndExec(t *testing.T) {
	t.Parallel()
	tp := New(t)
	var inside []netip.Prefix
	if err := tp.Server.Do(func() (err error) {
		inside, err = prefixes()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(inside, func(p netip.Prefix) bool { return p.Addr() == tp.Server.Addr }) {
		t.Errorf("inside Do: addresses %v lack %v", inside, tp.Server.Addr)
	}
	// The caller's thread never left the root namespace.
	outside, err := prefixes()
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(outside, func(p netip.Prefix) bool { return p.Addr() == tp.Server.Addr }) {
		t.Errorf("after Do the caller sees %v: it is still in the namespace", tp.Server.Addr)
	}

	ctx, cancel := context.WithTimeout(t.Context(), eventual)
	defer cancel()
	out, err := tp.Client.Exec(ctx, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), tp.Client.Addr.String()+"/") {
		t.Errorf("Exec ip addr: %q lacks %v", out, tp.Client.Addr)
	}
	if _, err := tp.Client.Exec(ctx, "false"); err == nil || !strings.Contains(err.Error(), "false") {
		t.Errorf("Exec false: error %v, want one naming the command", err)
	}
}

func TestDoPanics(t *testing.T) {
	t.Parallel()
	tp := New(t)
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want the panic from f re-raised in the caller", v)
		}
	}()
	tp.Server.Do(func() error { panic("boom") })
}

// prefixes lists the addresses of every interface visible from the calling
// thread's namespace.
func prefixes() ([]netip.Prefix, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var ps []netip.Prefix
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

func TestCleanupRemovesEverything(t *testing.T) {
	t.Parallel()
	before, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var tp *Topology
	var router *heldNamespace // the router's namespace, kept past its deletion
	t.Run("build", func(t *testing.T) {
		tp = New(t)
		router = holdNamespace(t, tp.Router)
		connPair(t, tp)
		left, err := Leftovers()
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range tp.hosts() {
			if !slices.Contains(left, h.Name) {
				t.Errorf("while alive: Leftovers() = %v lacks %s", left, h.Name)
			}
		}
	})
	if router == nil {
		return // skipped or failed; the subtest said why
	}
	defer router.release()
	left, err := Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tp.hosts() {
		if slices.Contains(left, h.Name) {
			t.Errorf("Leftovers() = %v still lists %s", left, h.Name)
		}
		if _, err := os.Stat(filepath.Join(netnsDir, h.Name)); !os.IsNotExist(err) {
			t.Errorf("%s still mounted: %v", h.Name, err)
		}
	}
	router.expectOnlyLoopback(t)
	after, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if names(before) != names(after) {
		t.Errorf("root namespace interfaces changed: %s -> %s", names(before), names(after))
	}
}

func names(ifs []net.Interface) string {
	var s []string
	for _, i := range ifs {
		s = append(s, i.Name)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}
