package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"holdfast"
	"holdfast/proxy"
)

// namedUpstreams starts n upstreams that answer with their name ("u0",
// "u1", …); a request for /hold waits until release is closed.
func namedUpstreams(t *testing.T, n int, release chan struct{}, entered chan string) []string {
	t.Helper()
	var urls []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("u%d", i)
		url, _ := holdfastUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hold" {
				entered <- name
				<-release
			}
			io.WriteString(w, name)
		}))
		urls = append(urls, url)
	}
	return urls
}

// Round-robin takes the upstreams in turn; least-requests and random-two
// never pick an upstream busy with a request while others are idle, and
// random-two spreads the rest.
func TestBalancing(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		t.Run("round-robin", func(t *testing.T) {
			urls := namedUpstreams(t, 3, nil, nil)
			f := startProxy(t, e, proxy.Config{Upstreams: urls, Balance: proxy.RoundRobin})
			c := newClient(t)
			var got []string
			for i := 0; i < 9; i++ {
				_, body := get(t, c, f.url+"/")
				got = append(got, body)
			}
			if s := strings.Join(got, ","); s != "u0,u1,u2,u0,u1,u2,u0,u1,u2" {
				t.Errorf("order %s", s)
			}
		})
		for _, mode := range []proxy.Balance{proxy.LeastRequests, proxy.RandomTwo} {
			t.Run(mode.String(), func(t *testing.T) {
				release, entered := make(chan struct{}), make(chan string, 1)
				urls := namedUpstreams(t, 3, release, entered)
				f := startProxy(t, e, proxy.Config{Upstreams: urls, Balance: mode})
				held := make(chan string, 1)
				go func() {
					resp, err := newClient(t).Get(f.url + "/hold")
					if err != nil {
						held <- err.Error()
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					held <- string(b)
				}()
				busy := <-entered
				c := newClient(t)
				counts := map[string]int{}
				for i := 0; i < 40; i++ {
					_, body := get(t, c, f.url+"/")
					counts[body]++
				}
				close(release)
				if got := <-held; got != busy {
					t.Errorf("held request answered %q, want %q", got, busy)
				}
				if counts[busy] != 0 || len(counts) != 2 {
					t.Errorf("with %s busy, requests went to %v; want the two others, both", busy, counts)
				}
			})
		}
	})
}

func TestParseBalance(t *testing.T) {
	for _, b := range []proxy.Balance{proxy.RandomTwo, proxy.RoundRobin, proxy.LeastRequests} {
		if got, err := proxy.ParseBalance(b.String()); err != nil || got != b {
			t.Errorf("ParseBalance(%q) = %v, %v", b, got, err)
		}
	}
	if _, err := proxy.ParseBalance("fastest"); err == nil {
		t.Error("ParseBalance accepted an unknown mode")
	}
}
