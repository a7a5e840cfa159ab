package proxy_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/client"
	"holdfast/proxy"
)

// Each failure is answered with its status and a one-line body naming the
// cause, and logged with the upstream and whether the connection was a
// reused one: 502 when the upstream cannot be reached, closes a
// connection under a request, or answers something malformed (that
// connection is closed, never reused); 504 when the answer does not start
// in time; 503 when no upstream is healthy.
func TestFailureAnswers(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		send := func(t *testing.T, f *front, req string) (int, string) {
			t.Helper()
			c := dialRaw(t, f.addr)
			c.send(req)
			method, _, _ := strings.Cut(req, " ")
			resp, body := c.response(method)
			if n := strings.Count(body, "\n"); resp.StatusCode >= 500 && (n != 1 || !strings.HasSuffix(body, "\n")) {
				t.Errorf("body %q is not one line", body)
			}
			return resp.StatusCode, body
		}
		expect := func(t *testing.T, f *front, req string, status int, cause string, logged ...string) {
			t.Helper()
			got, body := send(t, f, req)
			if got != status || !strings.Contains(body, cause) {
				t.Errorf("%d %q, want %d naming %q", got, body, status, cause)
			}
			for _, want := range logged {
				if !strings.Contains(f.log.String(), want) {
					t.Errorf("the log does not say %q:\n%s", want, f.log)
				}
			}
		}
		get := "GET /x HTTP/1.1\r\nHost: f\r\n\r\n"
		post := "POST /x HTTP/1.1\r\nHost: f\r\nContent-Length: 4\r\n\r\nbody"

		t.Run("502 connection refused", func(t *testing.T) {
			dead := deadUpstream(t)
			f := startProxy(t, e, proxy.Config{Upstreams: []string{dead}, Retries: -1})
			expect(t, f, get, 502, "cannot connect to the upstream: connection refused",
				`msg="proxy: request failed"`, "status=502 upstream="+dead+" reused=false attempts=1")
		})
		t.Run("502 malformed answer, connection not reused", func(t *testing.T) {
			var n atomic.Int32
			up := startRawUpstream(t, func(*seenRequest) string {
				if n.Add(1) == 1 {
					return "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok"
				}
				return okAnswer
			})
			f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url}})
			expect(t, f, get, 502, "malformed", "status=502 upstream="+up.url+" reused=false")
			if status, _ := send(t, f, get); status != 200 {
				t.Errorf("after a malformed answer: %d", status)
			}
			if up.connections() != 2 || f.Upstreams()[0].Closed[client.CloseProtocolError] != 1 {
				t.Errorf("upstream connections %d, closed for protocol errors %d; want 2, 1",
					up.connections(), f.Upstreams()[0].Closed[client.CloseProtocolError])
			}
		})
		t.Run("502 reused connection closed under a POST", func(t *testing.T) {
			var n atomic.Int32
			up := startRawUpstream(t, func(*seenRequest) string {
				if n.Add(1) == 2 {
					return ""
				}
				return okAnswer
			})
			f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url}})
			if status, _ := send(t, f, post); status != 200 {
				t.Fatalf("first POST: %d", status)
			}
			expect(t, f, post, 502, "the upstream closed the connection on a reused connection",
				"status=502 upstream="+up.url+" reused=true")
			if got := len(up.requests()); got != 2 {
				t.Errorf("the upstream saw %d POSTs, want 2 (none sent twice)", got)
			}
		})
		t.Run("504 no answer in time", func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			url, _ := netHTTPUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			f := startProxy(t, e, proxy.Config{Upstreams: []string{url}, Timeout: 100 * time.Millisecond})
			expect(t, f, get, 504, "the upstream did not answer in time", "status=504 upstream="+url)
			if st := f.Upstreams()[0]; st.GatewayTimeout != 1 || st.Requests != 1 {
				t.Errorf("gateway timeouts %d, requests %d; want 1, 1 (no retry)", st.GatewayTimeout, st.Requests)
			}
		})
		t.Run("503 no healthy upstream", func(t *testing.T) {
			f := startProxy(t, e, proxy.Config{Upstreams: []string{deadUpstream(t)}, EjectAfter: 1, Retries: -1})
			expect(t, f, get, 502, "connection refused")
			expect(t, f, get, 503, "no healthy upstream", `msg="proxy: no healthy upstream" method=GET target=/x status=503`)
		})
	})
}

// A client that goes away while its request waits for the upstream
// cancels the upstream request: its connection is closed, and the
// upstream's handler sees its context end.
func TestClientLeavingCancelsTheUpstreamRequest(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		entered, canceled := make(chan struct{}, 1), make(chan struct{}, 1)
		url, _ := netHTTPUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			select {
			case <-r.Context().Done():
				canceled <- struct{}{}
			case <-time.After(ioTimeout):
			}
		}))
		f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})
		c := dialRaw(t, f.addr)
		c.send("GET /slow HTTP/1.1\r\nHost: f\r\n\r\n")
		<-entered
		c.nc.Close()
		select {
		case <-canceled:
		case <-time.After(ioTimeout):
			t.Fatal("the upstream request was not canceled")
		}
		waitFor(t, "the canceled connection counted", func() bool {
			return f.Upstreams()[0].Closed[client.CloseCanceled] == 1
		})
	})
}
