package proxy_test

import (
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"holdfast"
	"holdfast/proxy"
)

// Hop-by-hop fields (RFC 9110 §7.6.1) are removed in both directions: the
// fixed list, and whatever Connection names; end-to-end fields pass.
func TestHopByHopFields(t *testing.T) {
	cases := []struct {
		name string
		in   string      // header lines the client (or the upstream) sends
		gone []string    // fields that must not arrive
		kept http.Header // fields that must arrive with these values
	}{
		{name: "connection and keep-alive",
			in:   "Connection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\nX-End: 1\r\n",
			gone: []string{"Connection", "Keep-Alive"}, kept: http.Header{"X-End": {"1"}}},
		{name: "fields named by connection",
			in:   "Connection: X-Hop, x-other-hop\r\nX-Hop: a\r\nX-Other-Hop: b\r\nX-End: 1\r\n",
			gone: []string{"Connection", "X-Hop", "X-Other-Hop"}, kept: http.Header{"X-End": {"1"}}},
		{name: "connection named twice, with close",
			in:   "Connection: close\r\nConnection: X-Hop\r\nX-Hop: a\r\nX-End: 1\r\n",
			gone: []string{"Connection", "X-Hop"}, kept: http.Header{"X-End": {"1"}}},
		{name: "proxy-connection",
			in:   "Proxy-Connection: keep-alive\r\nX-End: 1\r\n",
			gone: []string{"Proxy-Connection"}, kept: http.Header{"X-End": {"1"}}},
		{name: "upgrade that is no websocket",
			in:   "Connection: Upgrade\r\nUpgrade: h2c\r\nX-End: 1\r\n",
			gone: []string{"Connection", "Upgrade"}, kept: http.Header{"X-End": {"1"}}},
		{name: "end-to-end fields pass as sent",
			in:   "Accept: text/html\r\nCache-Control: no-cache\r\nX-Multi: 1\r\nX-Multi: 2\r\n",
			kept: http.Header{"Accept": {"text/html"}, "Cache-Control": {"no-cache"}, "X-Multi": {"1", "2"}}},
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		var answerNow atomic.Pointer[string]
		setAnswer := func(s string) { answerNow.Store(&s) }
		up := startRawUpstream(t, func(*seenRequest) string { return *answerNow.Load() })
		f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url}})
		for _, tc := range cases {
			t.Run("request/"+tc.name, func(t *testing.T) {
				setAnswer(okAnswer)
				c := dialRaw(t, f.addr)
				c.send("GET /hop HTTP/1.1\r\nHost: front\r\n" + tc.in + "\r\n")
				if resp, _ := c.response("GET"); resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				checkFields(t, up.last(t).Header, tc.gone, tc.kept)
			})
			t.Run("response/"+tc.name, func(t *testing.T) {
				setAnswer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + tc.in + "\r\nok")
				c := dialRaw(t, f.addr)
				c.send("GET /hop HTTP/1.1\r\nHost: front\r\n\r\n")
				resp, body := c.response("GET")
				if resp.StatusCode != 200 || body != "ok" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
				gone := tc.gone
				if strings.Contains(tc.in, "Keep-Alive:") {
					gone = without(gone, "Keep-Alive", "Connection") // the front's own, about its connection
					if v := resp.Header.Get("Keep-Alive"); strings.Contains(v, "max=100") {
						t.Errorf("the upstream's Keep-Alive %q reached the client", v)
					}
				}
				checkFields(t, resp.Header, without(gone, "Connection"), tc.kept)
				if strings.Contains(resp.Header.Get("Connection"), "X-Hop") || strings.Contains(resp.Header.Get("Connection"), "Upgrade") {
					t.Errorf("the upstream's Connection %q reached the client", resp.Header.Get("Connection"))
				}
			})
		}
		t.Run("request/te", func(t *testing.T) {
			setAnswer(okAnswer)
			c := dialRaw(t, f.addr)
			c.send("GET /te HTTP/1.1\r\nHost: front\r\nTE: trailers, deflate;q=0.5\r\n\r\n")
			c.response("GET")
			if got := up.last(t).Header["Te"]; !reflect.DeepEqual(got, []string{"trailers"}) {
				t.Errorf("TE upstream: %q, want only trailers", got)
			}
			c.send("GET /te HTTP/1.1\r\nHost: front\r\nTE: deflate\r\n\r\n")
			c.response("GET")
			checkFields(t, up.last(t).Header, []string{"Te"}, nil)
		})
		t.Run("request/transfer-encoding", func(t *testing.T) {
			setAnswer(okAnswer)
			c := dialRaw(t, f.addr)
			c.send("POST /te HTTP/1.1\r\nHost: front\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
			c.response("POST")
			r := up.last(t)
			if r.Body != "abc" {
				t.Errorf("body upstream %q", r.Body)
			}
		})
	})
}

func checkFields(t *testing.T, h http.Header, gone []string, kept http.Header) {
	t.Helper()
	for _, k := range gone {
		if v, ok := h[k]; ok {
			t.Errorf("%s arrived: %q", k, v)
		}
	}
	for k, want := range kept {
		if got := h[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		if !contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// X-Forwarded-For gets the client's address appended to what earlier
// proxies put there; X-Forwarded-Proto and -Host are the proxy's to say;
// Via gets the proxy appended, with the protocol of each message it
// received; the upstream sees its own host unless PreserveHost is set.
func TestForwardedFieldsAndHost(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		up := startRawUpstream(t, func(*seenRequest) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nVia: 1.1 origin-cache\r\n\r\nok"
		})
		upHost := strings.TrimPrefix(up.url, "http://")
		for _, preserve := range []bool{false, true} {
			f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url}, PreserveHost: preserve})
			c := dialRaw(t, f.addr)
			c.send("GET /fwd HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 203.0.113.7\r\n" +
				"X-Forwarded-Proto: https\r\nX-Forwarded-Host: forged\r\nVia: 1.0 first-proxy\r\n\r\n")
			resp, _ := c.response("GET")
			if got := resp.Header["Via"]; !reflect.DeepEqual(got, []string{"1.1 origin-cache", "1.1 holdfast"}) {
				t.Errorf("response Via %q", got)
			}
			r := up.last(t)
			want := http.Header{
				"X-Forwarded-For":   {"203.0.113.7, 127.0.0.1"},
				"X-Forwarded-Proto": {"http"},
				"X-Forwarded-Host":  {"www.example.com"},
				"Via":               {"1.0 first-proxy", "1.1 holdfast"},
			}
			checkFields(t, r.Header, nil, want)
			wantHost := upHost
			if preserve {
				wantHost = "www.example.com"
			}
			if r.Host != wantHost {
				t.Errorf("PreserveHost %v: upstream saw Host %q, want %q", preserve, r.Host, wantHost)
			}
			c.send("GET /fwd HTTP/1.0\r\nHost: www.example.com\r\n\r\n")
			c.response("GET")
			r = up.last(t)
			checkFields(t, r.Header, nil, http.Header{"X-Forwarded-For": {"127.0.0.1"}, "Via": {"1.0 holdfast"}})
			if r.Proto != "HTTP/1.1" {
				t.Errorf("an HTTP/1.0 client's request went upstream as %s, want HTTP/1.1", r.Proto)
			}
		}
	})
}

// The request target reaches the upstream as the client sent it, after
// the upstream URL's path when it has one.
func TestTargetUnderTheUpstreamPath(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		up := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
		for _, tc := range []struct{ base, target, want string }{
			{"", "/a/b?x=1&y", "/a/b?x=1&y"},
			{"", "/a%2Fb/c", "/a%2Fb/c"},
			{"/", "/a", "/a"},
			{"/base", "/a/b?q", "/base/a/b?q"},
			{"/base/", "/a%2Fb", "/base/a%2Fb"},
			{"", "http://www.example.com/abs?q", "/abs?q"},
		} {
			f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url + tc.base}})
			c := dialRaw(t, f.addr)
			c.send("GET " + tc.target + " HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
			if resp, _ := c.response("GET"); resp.StatusCode != 200 {
				t.Fatalf("%s: %d", tc.target, resp.StatusCode)
			}
			if got := up.last(t).RequestURI; got != tc.want {
				t.Errorf("upstream %s%s, target %s: upstream saw %s, want %s", up.url, tc.base, tc.target, got, tc.want)
			}
		}
	})
}
