package proxy_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/testrig"
	"holdfast/proxy"
)

// Passive health: an upstream whose connection attempts fail EjectAfter
// times in a row is taken out of the balancing (no request tries it
// meanwhile), and taken back once it accepts again after the cool-down.
func TestPassiveHealthEjectsAndReadmits(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		dead := deadUpstream(t)
		live, _ := holdfastUpstream(t, okHandler)
		f := startProxy(t, e, proxy.Config{Upstreams: []string{dead, live}, Balance: proxy.RoundRobin, EjectAfter: 2})
		c := newClient(t)
		for i := 0; i < 20; i++ {
			if status, body := get(t, c, f.url+"/"); status != 200 || body != "ok" {
				t.Fatalf("request %d: %d %q", i, status, body)
			}
		}
		st := f.Upstreams()[0]
		if st.Healthy || st.Ejections != 1 || st.ConnectFailures != 2 || st.EjectedFor <= 0 {
			t.Fatalf("dead upstream: healthy %v, ejections %d, connect failures %d, ejected for %vs; want false, 1, 2, >0",
				st.Healthy, st.Ejections, st.ConnectFailures, st.EjectedFor)
		}
		// The upstream comes back on its address.
		l, err := net.Listen("tcp", dead[len("http://"):])
		if err != nil {
			t.Skipf("cannot listen on the dead upstream's address again: %v", err)
		}
		back := &holdfast.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "back") }),
			Engine: holdfast.EngineGoroutine}
		go back.Serve(l)
		defer back.Close()
		waitFor(t, "the cool-down to end", func() bool { return f.Upstreams()[0].Healthy })
		seen := false
		for i := 0; i < 10 && !seen; i++ {
			_, body := get(t, c, f.url+"/")
			seen = body == "back"
		}
		if !seen {
			t.Error("the upstream that came back got no request")
		}
		if st := f.Upstreams()[0]; st.EjectedFor != 0 || st.Ejections != 1 {
			t.Errorf("after it answered: ejected for %vs, ejections %d", st.EjectedFor, st.Ejections)
		}
	})
}

// Active health: an upstream that fails its check (status 500) gets no
// requests until a check passes again; with none healthy, 503.
func TestActiveHealthChecks(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		var sick atomic.Bool
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
			if sick.Load() {
				http.Error(w, "sick", 500)
			}
		})
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "checked") })
		checked, _ := holdfastUpstream(t, mux)
		f := startProxy(t, e, proxy.Config{Upstreams: []string{checked}, HealthPath: "/healthz", HealthInterval: 20 * time.Millisecond})
		c := newClient(t)
		if status, body := get(t, c, f.url+"/"); status != 200 || body != "checked" {
			t.Fatalf("%d %q", status, body)
		}
		sick.Store(true)
		waitFor(t, "the failed check", func() bool { return !f.Upstreams()[0].Healthy })
		if st := f.Upstreams()[0]; !st.HealthCheckFailed {
			t.Error("health_check_failed is false")
		}
		if status, _ := get(t, c, f.url+"/"); status != 503 {
			t.Errorf("with the only upstream failing its check: %d, want 503", status)
		}
		sick.Store(false)
		waitFor(t, "the passing check", func() bool { return f.Upstreams()[0].Healthy })
		if status, body := get(t, c, f.url+"/"); status != 200 || body != "checked" {
			t.Errorf("after it passed again: %d %q", status, body)
		}
		if st := f.Upstreams()[0]; st.Requests != 2 {
			t.Errorf("upstream requests %d, want 2: checks are not counted", st.Requests)
		}
	})
}

// Upstreams describes each upstream with at least the fields the admin
// listener's GET /upstreams promises.
func TestUpstreamStatsJSON(t *testing.T) {
	testrig.CheckLeaks(t)
	url, _ := holdfastUpstream(t, okHandler)
	f := startProxy(t, holdfast.EngineAuto, proxy.Config{Upstreams: []string{url}})
	c := newClient(t)
	for i := 0; i < 3; i++ {
		get(t, c, f.url+"/")
	}
	b, err := json.Marshal(f.Upstreams())
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil || len(got) != 1 {
		t.Fatalf("%s: %v", b, err)
	}
	u := got[0]
	for _, k := range []string{"url", "healthy", "requests", "connections_opened", "reused", "retries", "open", "idle", "closed"} {
		if _, ok := u[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if u["url"] != url || u["healthy"] != true || u["requests"] != 3.0 || u["connections_opened"] != 1.0 ||
		u["reused"] != 2.0 || u["open"] != 1.0 || u["idle"] != 1.0 {
		t.Errorf("values: %s", b)
	}
	if closed, ok := u["closed"].(map[string]any); !ok || closed["stale"] != 0.0 {
		t.Errorf("closed: %v", u["closed"])
	}
}
