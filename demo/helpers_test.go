package demo

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// connKey is the context key under which the test servers keep the ID of the
// connection a request came on, as holdfast's server does with its own.
type connKey struct{}

func connIDFromContext(r *http.Request) (uint64, bool) {
	id, ok := r.Context().Value(connKey{}).(uint64)
	return id, ok
}

// testServer is the demo behind net/http on loopback, numbering its
// connections 1, 2, 3… in the order they are accepted.
type testServer struct {
	*httptest.Server
	site     *site
	accepted atomic.Uint64
}

func newTestServer(t *testing.T, keepAlive bool) *testServer {
	t.Helper()
	return newTestServerWith(t, keepAlive, connIDFromContext, maxLoads, maxEntriesPerLoad)
}

// newTestServerWith is newTestServer with the site's connection namer and its
// bounds on what it remembers given.
func newTestServerWith(t *testing.T, keepAlive bool, connID func(*http.Request) (uint64, bool), loads, entries int) *testServer {
	t.Helper()
	s, err := newSite(connID, loads, entries)
	if err != nil {
		t.Fatal(err)
	}
	s.short = !keepAlive
	ts := &testServer{site: s}
	ts.Server = httptest.NewUnstartedServer(s)
	ts.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, ts.accepted.Add(1))
	}
	ts.Config.SetKeepAlivesEnabled(keepAlive)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// newClient is a client whose transport opens at most maxConns connections to
// the server, reusing them unless keepAlive is false.
func newClient(t *testing.T, maxConns int, keepAlive bool) *http.Client {
	t.Helper()
	tr := &http.Transport{
		MaxConnsPerHost:     maxConns,
		MaxIdleConnsPerHost: maxConns,
		DisableKeepAlives:   !keepAlive,
		ForceAttemptHTTP2:   false,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get fetches url and returns the status, headers and body.
func get(t *testing.T, c *http.Client, method, url string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, body
}

// getReport fetches and decodes the report of load.
func getReport(t *testing.T, c *http.Client, base, load string) report {
	t.Helper()
	status, _, body := get(t, c, http.MethodGet, base+"/demo/report?load="+load)
	if status != http.StatusOK {
		t.Fatalf("report: status %d, body %s", status, body)
	}
	var r report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("report: %v in %s", err, body)
	}
	return r
}

var (
	subresourceTag = regexp.MustCompile(`<(?:link|script|img)\b[^>]*>`)
	subresourceURL = regexp.MustCompile(`\b(?:href|src)="([^"]+)"`)
	loadAttr       = regexp.MustCompile(`<html[^>]*\bdata-load="([0-9a-f]+)"`)
)

// parsePage returns the load ID of a rendered page and the URLs of its
// sub-resources (link href, script src, img src), data: URLs left out.
func parsePage(t *testing.T, html string) (load string, urls []string) {
	t.Helper()
	m := loadAttr.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no data-load attribute in page:\n%s", html)
	}
	for _, tag := range subresourceTag.FindAllString(html, -1) {
		u := subresourceURL.FindStringSubmatch(tag)
		if u == nil || strings.HasPrefix(u[1], "data:") {
			continue
		}
		urls = append(urls, u[1])
	}
	return m[1], urls
}
