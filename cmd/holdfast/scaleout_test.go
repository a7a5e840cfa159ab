package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// instance is one holdfast run behind the balancer, on fixed addresses
// so that it comes back where the balancer expects it.
type instance struct {
	name, path string
	listen     string
	admin      string
	run        *child
}

func newInstance(t *testing.T, name, site string) *instance {
	t.Helper()
	in := &instance{name: name}
	var err error
	if in.listen, err = testrig.FreeAddr(); err != nil {
		t.Fatal(err)
	}
	if in.admin, err = testrig.FreeAddr(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in.path = writeConfig(t, dir, fmt.Sprintf("admin: %s\ndrain-delay: 1s\ndrain-timeout: 10s\nlisteners:\n  - listen: %s\n    routes:\n      - static: %s\n",
		in.admin, in.listen, filepath.Join(site, "one")))
	in.start(t)
	return in
}

func (in *instance) start(t *testing.T) {
	t.Helper()
	in.run = startRun(t, in.path)
}

// restart stops the instance with SIGTERM (drain-delay, then drain),
// waits for its exit and starts it again.
func (in *instance) restart(t *testing.T) {
	t.Helper()
	in.run.cmd.Process.Signal(syscall.SIGTERM)
	if err := in.run.cmd.Wait(); err != nil {
		t.Fatalf("%s: exit %v\n%s", in.name, err, in.run.log())
	}
	in.start(t)
}

// requests is how many requests the instance has served since it started.
func (in *instance) requests(t *testing.T) uint64 {
	t.Helper()
	var st struct{ Requests uint64 }
	if err := json.Unmarshal([]byte(fetch(t, http.DefaultClient, "http://"+in.admin+"/stats")), &st); err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

// haproxyTCP balances TCP connections over the instances, taking out an
// instance whose /ready does not answer 200.
func haproxyTCP(instances ...*instance) func(addr string) string {
	return func(addr string) string {
		var servers strings.Builder
		for _, in := range instances {
			_, adminPort, _ := net.SplitHostPort(in.admin)
			fmt.Fprintf(&servers, "    server %s %s check port %s inter 100ms fall 1 rise 1\n", in.name, in.listen, adminPort)
		}
		return fmt.Sprintf(`global
    nbthread 1
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
frontend front
    bind %s
    default_backend holdfast
backend holdfast
    balance roundrobin
    option httpchk GET /ready
%s`, addr, servers.String())
	}
}

// waitBalancerUp waits until HAProxy has seen the instance's /ready again
// after its restart, so that the next instance does not drain while this
// one is still out.
func waitBalancerUp(t *testing.T, lb *testrig.HAProxy, in *instance) {
	t.Helper()
	for range 1000 {
		if strings.Contains(lb.Output(), "Server holdfast/"+in.name+" is UP") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("HAProxy never took %s back:\n%s", in.name, lb.Output())
}

// Two instances behind HAProxy in TCP mode under steady keep-alive load,
// restarted one after the other as a rolling deployment does: /ready
// turns 503 and connections close after their next response during
// drain-delay, so the balancer moves new connections away before the
// listener closes. The client sees no failed request, and each instance
// serves again after its restart.
func TestScaleOutRollingRestart(t *testing.T) {
	if _, err := testrig.FindHAProxy(); err != nil {
		t.Skip(err)
	}
	site := siteDir(t)
	a, b := newInstance(t, "a", site), newInstance(t, "b", site)
	lb := testrig.StartHAProxy(t, haproxyTCP(a, b))
	load := startKeepAliveLoad(t, "http://"+lb.Addr+"/a.txt", 8)
	load.waitRequests(t, 200)
	for _, in := range []*instance{a, b} {
		in.restart(t)
		waitBalancerUp(t, lb, in)
		load.waitRequests(t, load.total()+200)
	}
	res := load.stop()
	if res.failures > 0 {
		t.Fatalf("%d of %d requests failed; first: %v\nhaproxy: %s", res.failures, res.requests, res.first, lb.Output())
	}
	if served := a.requests(t); served == 0 {
		t.Errorf("instance a served nothing after its restart (%d requests in all)", res.requests)
	}
	t.Logf("%d requests, none failed", res.requests)
	for _, in := range []*instance{a, b} {
		in.run.terminate(t)
	}
}
