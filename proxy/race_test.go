package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/client"
	"holdfast/internal/testrig"
	"holdfast/proxy"
)

// The reuse race through the proxy: each upstream closes connections idle
// for raceIdle and sits behind a relay adding 10–25 ms each way; clients
// send bursts of GETs and PUTs spaced around raceIdle, so that the
// proxy's upstream connections sit idle close to the upstream's timeout
// before each reuse (testrig.RunRace with Burst). Not one client request
// may fail, and the proxy must have met the race (stale connections found
// before reuse, or requests retried after a lost one).
const (
	raceIdle     = 300 * time.Millisecond
	raceRequests = 2000
	raceBurst    = 32
)

// raceUpstreams start each kind of upstream with raceIdle as its idle
// timeout and no Keep-Alive hint (a hint would let the proxy retire
// connections in time, and there would be no race to see).
var raceUpstreams = []upstreamKind{
	{"nethttp", func(t *testing.T) (string, func() int) {
		url, _ := netHTTPUpstream(t, testrig.RaceHandler, func(s *http.Server) { s.IdleTimeout = raceIdle })
		return url, nil
	}},
	{"holdfast", func(t *testing.T) (string, func() int) {
		url, _ := holdfastUpstream(t, testrig.RaceHandler, func(s *holdfast.Server) {
			s.Policy = holdfast.Policy{IdleTimeout: raceIdle, AdvertiseKeepAlive: holdfast.Off}
		})
		return url, nil
	}},
	{"nginx", func(t *testing.T) (string, func() int) {
		n := testrig.StartNginx(t, testrig.NginxConfig{Body: "ok\n", KeepaliveTimeout: fmt.Sprintf("%dms", raceIdle.Milliseconds())})
		return "http://" + n.Addr, nil
	}},
}

func TestReuseRaceThroughTheProxy(t *testing.T) {
	testrig.CheckLeaks(t)
	n := raceRequests
	if testing.Short() {
		n = 10 * raceBurst
	}
	for _, e := range engines() {
		for _, kind := range raceUpstreams {
			t.Run(e.String()+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				url, _ := kind.start(t)
				relay := testrig.NewRelay(t, strings.TrimPrefix(url, "http://"), testrig.RaceDelay)
				f := startProxy(t, e, proxy.Config{Upstreams: []string{"http://" + relay.Addr()}})
				tr := &client.Transport{}
				defer tr.CloseIdleConnections()
				ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
				defer cancel()
				out := testrig.RunRace(ctx, tr, testrig.Race{URL: f.url + "/race", Requests: n, Burst: raceBurst, Idle: raceIdle})
				st := f.Upstreams()[0]
				t.Logf("%d requests in %v, %d failed; upstream: %d requests, %d connections, %d reused, %d stale before reuse, %d retried",
					out.Requests, out.Took.Round(time.Millisecond), out.Failures, st.Requests, st.ConnectionsOpened, st.Reused,
					st.Closed[client.CloseStale], st.Retries)
				if out.Requests != int64(n) {
					t.Errorf("only %d of %d requests ran", out.Requests, n)
				}
				if out.Failures != 0 {
					t.Errorf("%d requests failed (%v), the first: %s", out.Failures, out.Kinds, out.First)
				}
				if st.Reused == 0 || st.Closed[client.CloseStale]+st.Retries == 0 {
					t.Errorf("the loop did not race: %d reused, %d stale, %d retried", st.Reused, st.Closed[client.CloseStale], st.Retries)
				}
			})
		}
	}
}
