package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"holdfast"
	"holdfast/internal/testrig"
	"holdfast/proxy"
)

// upstreamKind starts one kind of real upstream answering "ok", and
// reports how many connections it accepted (-1 when it cannot tell).
type upstreamKind struct {
	name  string
	start func(t *testing.T) (url string, accepted func() int)
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
})

var upstreamKinds = []upstreamKind{
	{"holdfast", func(t *testing.T) (string, func() int) {
		url, s := holdfastUpstream(t, okHandler)
		return url, func() int { return int(s.Stats().ConnectionsAccepted) }
	}},
	{"nethttp", func(t *testing.T) (string, func() int) {
		url, cc := netHTTPUpstream(t, okHandler)
		return url, cc.count
	}},
	{"nginx", func(t *testing.T) (string, func() int) {
		n := testrig.StartNginx(t, testrig.NginxConfig{Body: "ok"})
		return "http://" + n.Addr, func() int { return -1 }
	}},
}

// Short clients — HTTP/1.0 without keep-alive, and HTTP/1.1 with
// Connection: close — each get their answer on a connection the front
// closes, while every request goes upstream on the one warm connection.
func TestShortClientsNeverCloseUpstreamConnections(t *testing.T) {
	const perKind = 10
	shapes := []string{
		"GET /short HTTP/1.0\r\nHost: front\r\n\r\n",
		"GET /short HTTP/1.1\r\nHost: front\r\nConnection: close\r\n\r\n",
		"POST /short HTTP/1.0\r\nHost: front\r\nContent-Length: 4\r\n\r\nbody",
		"PUT /short HTTP/1.1\r\nHost: front\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody",
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		for _, kind := range upstreamKinds {
			t.Run(kind.name, func(t *testing.T) {
				url, accepted := kind.start(t)
				f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})
				for i := 0; i < perKind; i++ {
					for _, shape := range shapes {
						c := dialRaw(t, f.addr)
						c.send(shape)
						method, _, _ := strings.Cut(shape, " ")
						resp, body := c.response(method)
						if resp.StatusCode != 200 || body != "ok" {
							t.Fatalf("%q: %d %q", shape, resp.StatusCode, body)
						}
						if !resp.Close {
							t.Fatalf("%q: the front kept the client's connection", shape)
						}
						c.nc.Close()
					}
				}
				st := f.Upstreams()[0]
				total := uint64(perKind * len(shapes))
				if st.Requests != total || st.ConnectionsOpened != 1 || st.Reused != total-1 {
					t.Errorf("upstream: %d requests, %d connections opened, %d reused; want %d, 1, %d",
						st.Requests, st.ConnectionsOpened, st.Reused, total, total-1)
				}
				if n := accepted(); n != -1 && n != 1 {
					t.Errorf("the upstream accepted %d connections, want 1", n)
				}
				if st.Open != 1 || st.Idle != 1 {
					t.Errorf("upstream connections now: %d open, %d idle; want 1, 1", st.Open, st.Idle)
				}
			})
		}
	})
}

// Requests reach each kind of upstream, and their answers the client,
// with the path and query as sent.
func TestForwardsToEachKindOfUpstream(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		for _, kind := range upstreamKinds {
			t.Run(kind.name, func(t *testing.T) {
				url, _ := kind.start(t)
				f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})
				c := newClient(t)
				for i := 0; i < 5; i++ {
					status, body := get(t, c, fmt.Sprintf("%s/item/%d?q=%d", f.url, i, i))
					if status != 200 || body != "ok" {
						t.Fatalf("%d %q", status, body)
					}
				}
			})
		}
	})
}
