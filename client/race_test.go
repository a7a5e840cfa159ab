package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// The reuse race, for real: a relay adds 10–25 ms each way, as a network
// does, and callers send requests spaced 0.85–1.15 × the server's idle
// timeout, so that about half of them are sent just as the server closes.
// No hint is advertised: only the check before reuse and the retry protect
// the requests.
const (
	raceIdle     = 300 * time.Millisecond
	raceRequests = 2000
	raceCallers  = 32
)

// relayURL puts a relay adding 10–25 ms each way in front of addr.
func relayURL(t testing.TB, addr string) string {
	return "http://" + testrig.NewRelay(t, addr, testrig.RaceDelay).Addr()
}

// raceServers starts the servers under test, each behind its own relay,
// and returns their URLs by name.
func raceServers(t *testing.T, idle time.Duration) map[string]string {
	urls := map[string]string{}
	srv := &http.Server{IdleTimeout: idle, Handler: testrig.RaceHandler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	urls["nethttp"] = relayURL(t, ln.Addr().String())
	urls["nginx"] = "" // skipped when nginx is missing
	if _, err := testrig.FindNginx(); err != nil {
		t.Logf("%v: its reuse race is skipped", err)
		return urls
	}
	ng := testrig.StartNginx(t, testrig.NginxConfig{
		Body:             "ok\n",
		KeepaliveTimeout: fmt.Sprintf("%dms", idle.Milliseconds()),
	})
	urls["nginx"] = relayURL(t, ng.Addr)
	return urls
}

func TestTransportReuseRace(t *testing.T) {
	testrig.CheckLeaks(t)
	n, callers := raceRequests, raceCallers
	if testing.Short() {
		n, callers = 200, 16
	}
	for name, url := range raceServers(t, raceIdle) {
		t.Run(name, func(t *testing.T) {
			if url == "" {
				t.Skip("nginx binary not found (apt-get install nginx-light)")
			}
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			res := testrig.RunRace(ctx, tr, testrig.Race{URL: url, Requests: n, Callers: callers, Idle: raceIdle})
			st := tr.Stats()
			t.Logf("holdfast vs %s: %d requests in %v, %d failed; dials %d, reuses %d, stale discarded %d, reuse failures %d, retries %d",
				name, res.Requests, res.Took.Round(time.Millisecond), res.Failures,
				st.Dials, st.Reuses, st.Closed[CloseStale], st.ReuseFailures, st.Retries)
			if res.Requests != int64(n) {
				t.Errorf("only %d of %d requests ran", res.Requests, n)
			}
			if res.Failures != 0 {
				t.Errorf("%d requests failed (%v), the first with: %v", res.Failures, res.Kinds, res.First)
			}
			if st.Reuses == 0 || st.Closed[CloseStale]+st.Retries == 0 {
				t.Errorf("the run did not race: reuses %d, stale %d, retries %d", st.Reuses, st.Closed[CloseStale], st.Retries)
			}
		})
	}
}
