package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
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

// raceServers starts the servers under test, each behind its own relay,
// and returns their URLs by name: net/http and nginx, each over plain TCP
// and over TLS (testCert; the relay carries the ciphertext).
func raceServers(t *testing.T, idle time.Duration) map[string]string {
	urls := map[string]string{}
	for _, name := range []string{"nethttp", "nethttp-tls"} {
		srv := &http.Server{IdleTimeout: idle, Handler: testrig.RaceHandler}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		scheme := "http://"
		if strings.HasSuffix(name, "-tls") {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{testCert().TLS}}
			srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){} // HTTP/1.1, as the client asks
			ln = tls.NewListener(ln, srv.TLSConfig)
			scheme = "https://"
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		urls[name] = scheme + testrig.NewRelay(t, ln.Addr().String(), testrig.RaceDelay).Addr()
	}
	urls["nginx"], urls["nginx-tls"] = "", "" // skipped when nginx is missing
	if _, err := testrig.FindNginx(); err != nil {
		t.Logf("%v: its reuse race is skipped", err)
		return urls
	}
	for _, name := range []string{"nginx", "nginx-tls"} {
		cfg := testrig.NginxConfig{Body: "ok\n", KeepaliveTimeout: fmt.Sprintf("%dms", idle.Milliseconds())}
		scheme := "http://"
		if name == "nginx-tls" {
			cfg.TLS = &testrig.NginxTLS{CertPEM: testCert().CertPEM, KeyPEM: testCert().KeyPEM}
			scheme = "https://"
		}
		ng := testrig.StartNginx(t, cfg)
		urls[name] = scheme + testrig.NewRelay(t, ng.Addr, testrig.RaceDelay).Addr()
	}
	return urls
}

// raceTLS is the TLS configuration of the race's clients: they trust
// testCert.
func raceTLS() *tls.Config { return &tls.Config{RootCAs: testCert().Pool} }

// eachRaceServer runs f on each race server in a parallel subtest (the
// callers mostly wait: the servers can take the runs together), with the
// run's size: smaller under -short.
func eachRaceServer(t *testing.T, f func(t *testing.T, name, url string, n, callers int)) {
	n, callers := raceRequests, raceCallers
	if testing.Short() {
		n, callers = 200, 16
	}
	for name, url := range raceServers(t, raceIdle) {
		t.Run(name, func(t *testing.T) {
			if url == "" {
				t.Skip("nginx binary not found (apt-get install nginx-light)")
			}
			t.Parallel()
			f(t, name, url, n, callers)
		})
	}
}

func TestTransportReuseRace(t *testing.T) {
	testrig.CheckLeaks(t)
	eachRaceServer(t, func(t *testing.T, name, url string, n, callers int) {
		tr := &Transport{TLSClientConfig: raceTLS()}
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
