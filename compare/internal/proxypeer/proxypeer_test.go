package proxypeer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"holdfast/internal/testrig"
)

func TestParse(t *testing.T) {
	peers, err := Parse("nginx, haproxy,caddy,httputil,holdfast:epoll,holdfast")
	if err != nil || len(peers) != 6 || peers[4] != (Peer{"holdfast:epoll", "holdfast", "epoll"}) {
		t.Fatalf("%+v %v", peers, err)
	}
	for _, bad := range []string{"apache", "nginx:epoll", "caddy:x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestGOMAXPROCS(t *testing.T) {
	for cpu, want := range map[string]string{"": "1", "0": "1", "0,1": "2", "0-3": "4", "1,4-5": "3"} {
		if got := gomaxprocs(cpu); got != want {
			t.Errorf("gomaxprocs(%q) = %s, want %s", cpu, got, want)
		}
	}
}

// Each installed proxy, started with the configuration the benchmarks
// use, passes requests to an upstream nginx. The Go peers are built from
// cmd/peer, except with -short.
func TestEachPeerProxies(t *testing.T) {
	upstream := testrig.StartNginx(t, testrig.NginxConfig{Body: "from upstream"})
	bins := FindBins()
	if !testing.Short() {
		bins.Peer = filepath.Join(t.TempDir(), "peer")
		out, err := exec.Command("go", "build", "-o", bins.Peer, "holdfast/compare/cmd/peer").CombinedOutput()
		if err != nil {
			t.Fatalf("building cmd/peer: %v\n%s", err, out)
		}
	}
	peers, _ := Parse("nginx,haproxy,caddy,httputil,holdfast:goroutine,holdfast:epoll")
	for _, p := range peers {
		t.Run(p.Name, func(t *testing.T) {
			r, err := p.Start(bins, upstream.Addr, "", Options{}, "from upstream")
			if errors.Is(err, ErrNotInstalled) {
				t.Skipf("%v (apt-get install %s; the Go peers are skipped with -short)", err, Packages[p.Kind])
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Stop()
			if v := p.Version(bins); v == "" || strings.Contains(v, "not found") {
				t.Errorf("version %q", v)
			}
		})
	}
	if entries, _ := os.ReadDir(os.TempDir()); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "proxypeer-") {
				t.Errorf("left behind: %s", e.Name())
			}
		}
	}
}
