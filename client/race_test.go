package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// raceResult counts what a race run saw.
type raceResult struct {
	requests, failures atomic.Int64
	firstErr           atomic.Value
}

// runRace sends n requests (GET and PUT) from callers goroutines spaced
// 0.85–1.15 × idle apart, and counts the failures.
func runRace(t testing.TB, rt http.RoundTripper, url string, n, callers int, idle time.Duration) *raceResult {
	res := &raceResult{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n && ctx.Err() == nil; i += callers {
				// Start the callers out of step, then keep each one's spacing.
				f := 0.85 + 0.3*rand.Float64()
				if i == g {
					f = rand.Float64()
				}
				time.Sleep(time.Duration(f * float64(idle)))
				res.requests.Add(1)
				if err := raceRequest(ctx, rt, url, i); err != nil {
					res.failures.Add(1)
					res.firstErr.CompareAndSwap(nil, err)
				}
			}
		}(g)
	}
	wg.Wait()
	return res
}

func raceRequest(ctx context.Context, rt http.RoundTripper, url string, i int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	method, body := "GET", io.Reader(nil)
	if i%2 == 1 {
		method, body = "PUT", strings.NewReader("payload-"+strconv.Itoa(i))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "ok") {
		return fmt.Errorf("%s: status %d, body %q", method, resp.StatusCode, b)
	}
	return nil
}

// raceServers starts the servers under test, each behind its own relay,
// and returns their URLs by name: net/http and nginx, each over plain TCP
// and over TLS (testCert; the relay carries the ciphertext).
func raceServers(t *testing.T, idle time.Duration) map[string]string {
	urls := map[string]string{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok\n"))
	})
	for _, name := range []string{"nethttp", "nethttp-tls"} {
		srv := &http.Server{IdleTimeout: idle, Handler: handler}
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
		start := time.Now()
		res := runRace(t, tr, url, n, callers, raceIdle)
		st := tr.Stats()
		t.Logf("holdfast vs %s: %d requests in %v, %d failed; dials %d, reuses %d, stale discarded %d, reuse failures %d, retries %d",
			name, res.requests.Load(), time.Since(start).Round(time.Millisecond), res.failures.Load(),
			st.Dials, st.Reuses, st.Closed[CloseStale], st.ReuseFailures, st.Retries)
		if res.requests.Load() != int64(n) {
			t.Errorf("only %d of %d requests ran", res.requests.Load(), n)
		}
		if f := res.failures.Load(); f != 0 {
			t.Errorf("%d requests failed, the first with: %v", f, res.firstErr.Load())
		}
		if st.Reuses == 0 || st.Closed[CloseStale]+st.Retries == 0 {
			t.Errorf("the run did not race: reuses %d, stale %d, retries %d", st.Reuses, st.Closed[CloseStale], st.Retries)
		}
	})
}

// TestTransportReuseRaceNetHTTPBaseline runs the same loop through
// net/http's Transport and logs its failures: a measurement, not an
// assertion. It runs only with HOLDFAST_BASELINE=1 (it takes as long as
// TestTransportReuseRace).
func TestTransportReuseRaceNetHTTPBaseline(t *testing.T) {
	if os.Getenv("HOLDFAST_BASELINE") == "" {
		t.Skip("set HOLDFAST_BASELINE=1 to measure net/http's Transport in the reuse race")
	}
	testrig.CheckLeaks(t)
	eachRaceServer(t, func(t *testing.T, name, url string, n, callers int) {
		tr := &http.Transport{MaxIdleConnsPerHost: 64, TLSClientConfig: raceTLS()}
		defer tr.CloseIdleConnections()
		res := runRace(t, tr, url, n, callers, raceIdle)
		t.Logf("net/http vs %s: %d requests, %d failed (first: %v)", name, res.requests.Load(), res.failures.Load(), res.firstErr.Load())
	})
}
