package main

import (
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// proxy has every flag serve has, registered by the same function: same
// names, same help, same defaults; the flags it adds are the upstreams'.
func TestProxyHasServesFlags(t *testing.T) {
	serveFS, proxyFS := serveFlags(&serveConfig{}), proxyFlags(&proxyConfig{})
	serveFS.VisitAll(func(f *flag.Flag) {
		g := proxyFS.Lookup(f.Name)
		if g == nil || g.Usage != f.Usage || g.DefValue != f.DefValue {
			t.Errorf("proxy's --%s differs from serve's: %+v", f.Name, g)
		}
	})
	proxyFS.VisitAll(func(f *flag.Flag) {
		upstreamSide := strings.Contains(f.Name, "upstream") || strings.HasPrefix(f.Name, "health-") ||
			f.Name == "balance" || f.Name == "preserve-host" || f.Name == "eject-after"
		if serveFS.Lookup(f.Name) == nil && !upstreamSide {
			t.Errorf("proxy's --%s is neither serve's nor an upstream flag", f.Name)
		}
	})
	cfg, err := parseProxyArgs([]string{"--upstream", "http://a:1", "--upstream", "http://b:2/base", "--idle-timeout", "5",
		"--upstream-idle-timeout", "0", "--upstream-retries", "0", "--balance", "round-robin"})
	if err != nil {
		t.Fatal(err)
	}
	c := proxyConfigOf(cfg, nil)
	if len(c.Upstreams) != 2 || c.IdleTimeout != -1 || c.Retries != -1 || c.Balance != proxy.RoundRobin || c.MaxIdle != proxy.DefaultMaxIdle ||
		cfg.resolvedPolicy().IdleTimeout != 5*time.Second {
		t.Errorf("config %+v, front policy %+v", c, cfg.resolvedPolicy())
	}
}

// holdfast proxy, as a process: it passes requests to its upstream, its
// admin listener describes the upstream at /upstreams and shows it on the
// live page, and SIGTERM drains it.
func TestProxyCommand(t *testing.T) {
	upstream := &holdfast.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream saw "+r.URL.Path+" via "+r.Header.Get("Via"))
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go upstream.Serve(l)
	defer upstream.Close()
	upURL := "http://" + l.Addr().String()
	c := startCommand(t, "proxy", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--upstream", upURL)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		if got := fetch(t, client, c.url+"/hello"); got != "upstream saw /hello via 1.1 holdfast" {
			t.Fatalf("through the proxy: %q", got)
		}
	}
	var ups []map[string]any
	if err := json.Unmarshal([]byte(fetch(t, client, c.admin+"/upstreams")), &ups); err != nil || len(ups) != 1 {
		t.Fatalf("/upstreams: %v %v", ups, err)
	}
	if ups[0]["url"] != upURL || ups[0]["requests"] != 3.0 || ups[0]["reused"] != 2.0 || ups[0]["healthy"] != true {
		t.Errorf("/upstreams: %v", ups[0])
	}
	if page := fetch(t, client, c.admin+"/"); !strings.Contains(page, `id="upstreamsSection"`) {
		t.Error("the live page has no upstreams section")
	}
	if m := fetch(t, client, c.admin+"/metrics"); !strings.Contains(m, `holdfast_upstream_requests_total{upstream="`+upURL+`"} 3`) {
		t.Errorf("/metrics has no upstream figures:\n%s", m)
	}
	fetch(t, client, c.admin+"/stats")
	c.terminate(t)
	if !strings.Contains(c.log(), "serving a reverse proxy to "+upURL+" (random-two)") {
		t.Errorf("start line:\n%s", c.log())
	}
}
