package demo

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"holdfast/internal/testrig"
)

// loadPage fetches "/" and every sub-resource on it as a browser would: several
// requests in flight at once over client's connections. It returns the load ID
// and the number of sub-resources.
func loadPage(t *testing.T, ts *testServer, c *http.Client) (string, int) {
	t.Helper()
	status, _, body := get(t, c, http.MethodGet, ts.URL+"/")
	if status != http.StatusOK {
		t.Fatalf("GET /: status %d", status)
	}
	load, urls := parsePage(t, string(body))
	if len(urls) < 30 {
		t.Fatalf("page has %d sub-resources, want at least 30: %q", len(urls), urls)
	}
	for _, u := range urls {
		if !strings.HasSuffix(u, "?load="+load) {
			t.Fatalf("sub-resource %q does not carry the load ID %s", u, load)
		}
	}
	if err := fetchAll(c, ts.URL, urls, 8); err != nil {
		t.Fatal(err)
	}
	return load, len(urls)
}

// fetchAll GETs every URL with at most inFlight requests at a time.
func fetchAll(c *http.Client, base string, urls []string, inFlight int) error {
	work := make(chan string)
	errs := make(chan error, len(urls))
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() {
			for u := range work {
				errs <- fetchOne(c, base+u)
			}
		})
	}
	for _, u := range urls {
		work <- u
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func fetchOne(c *http.Client, url string) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	return nil
}

func TestKeepAliveSharesConnections(t *testing.T) {
	testrig.CheckLeaks(t)
	const maxConns = 4
	ts := newTestServer(t, true)
	c := newClient(t, maxConns, true)

	load, n := loadPage(t, ts, c)
	r := getReport(t, c, ts.URL, load)

	if r.Load != load {
		t.Errorf("report load = %q, want %q", r.Load, load)
	}
	if r.Requests != n {
		t.Errorf("requests = %d, want %d (one per sub-resource)", r.Requests, n)
	}
	if r.Connections < 1 || r.Connections > maxConns {
		t.Errorf("connections = %d, want 1..%d", r.Connections, maxConns)
	}
	checkConsistent(t, r)
	if got := ts.accepted.Load(); got > maxConns {
		t.Errorf("server accepted %d connections for a client allowed %d", got, maxConns)
	}
}

func TestShortConnectionsOnePerRequest(t *testing.T) {
	testrig.CheckLeaks(t)
	ts := newTestServer(t, false)
	c := newClient(t, 4, false)

	load, n := loadPage(t, ts, c)
	r := getReport(t, c, ts.URL, load)

	if r.Requests != n {
		t.Errorf("requests = %d, want %d", r.Requests, n)
	}
	if r.Connections != r.Requests {
		t.Errorf("connections = %d, want one per request (%d)", r.Connections, r.Requests)
	}
	for _, u := range r.PerConnection {
		if u.Requests != 1 {
			t.Errorf("connection %d carried %d requests, want 1", u.ID, u.Requests)
		}
	}
	checkConsistent(t, r)
	// The page, each sub-resource and the report: a connection each.
	if got, want := ts.accepted.Load(), uint64(n+2); got != want {
		t.Errorf("server accepted %d connections, want %d", got, want)
	}
}

// checkConsistent checks that a report's parts add up and name the page's and
// its own connection.
func checkConsistent(t *testing.T, r report) {
	t.Helper()
	sum := 0
	seen := make(map[uint64]bool)
	for _, u := range r.PerConnection {
		if seen[u.ID] {
			t.Errorf("connection %d listed twice", u.ID)
		}
		seen[u.ID] = true
		if len(u.Paths) != u.Requests {
			t.Errorf("connection %d: %d paths for %d requests", u.ID, len(u.Paths), u.Requests)
		}
		sum += u.Requests
	}
	if sum+r.Unattributed != r.Requests {
		t.Errorf("per-connection requests add up to %d (+%d unattributed), want %d", sum, r.Unattributed, r.Requests)
	}
	if len(r.PerConnection) != r.Connections {
		t.Errorf("%d per-connection entries for %d connections", len(r.PerConnection), r.Connections)
	}
	if r.PageConnection == nil || r.ReportConnection == nil {
		t.Errorf("page_connection = %v, report_connection = %v; want both set", r.PageConnection, r.ReportConnection)
	}
}

func TestReportErrors(t *testing.T) {
	testrig.CheckLeaks(t)
	ts := newTestServer(t, true)
	c := newClient(t, 1, true)

	for _, tc := range []struct {
		query  string
		status int
	}{
		{"?load=0123456789abcdef", http.StatusNotFound},
		{"?load=not-a-load", http.StatusNotFound},
		{"", http.StatusBadRequest},
	} {
		status, h, body := get(t, c, http.MethodGet, ts.URL+"/demo/report"+tc.query)
		if status != tc.status {
			t.Errorf("report%s: status %d, want %d", tc.query, status, tc.status)
		}
		if ct := h.Get("Content-Type"); ct != "application/json" {
			t.Errorf("report%s: Content-Type %q", tc.query, ct)
		}
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
			t.Errorf("report%s: body %s is not a JSON error (%v)", tc.query, body, err)
		}
	}
}

func TestRoutesAndHeaders(t *testing.T) {
	testrig.CheckLeaks(t)
	ts := newTestServer(t, true)
	c := newClient(t, 1, true)

	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/demo/css/base.css", 200, "text/css; charset=utf-8"},
		{"GET", "/demo/js/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/demo/img/tile-00.svg", 200, "image/svg+xml"},
		{"HEAD", "/demo/img/tile-17.svg", 200, "image/svg+xml"},
		{"GET", "/demo/img/tile-18.svg", 404, ""},
		{"GET", "/favicon.ico", 404, ""},
		{"GET", "/demo/", 404, ""},
		{"POST", "/nowhere", 404, ""},
		{"POST", "/", 405, ""},
		{"PUT", "/demo/css/base.css", 405, ""},
		{"DELETE", "/demo/report", 405, ""},
	} {
		status, h, body := get(t, c, tc.method, ts.URL+tc.path)
		name := tc.method + " " + tc.path
		if status != tc.status {
			t.Errorf("%s: status %d, want %d", name, status, tc.status)
		}
		if cc := h.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, cc)
		}
		if tc.ctype != "" && h.Get("Content-Type") != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", name, h.Get("Content-Type"), tc.ctype)
		}
		if status == http.StatusMethodNotAllowed && h.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q", name, h.Get("Allow"))
		}
		if tc.method == "HEAD" && (len(body) != 0 || h.Get("Content-Length") == "0") {
			t.Errorf("%s: %d body bytes, Content-Length %q", name, len(body), h.Get("Content-Length"))
		}
	}
}

func TestEachPageHasItsOwnLoad(t *testing.T) {
	testrig.CheckLeaks(t)
	ts := newTestServer(t, true)
	c := newClient(t, 2, true)

	first, n := loadPage(t, ts, c)
	second, _ := loadPage(t, ts, c)
	if first == second || len(first) != 16 {
		t.Fatalf("load IDs %q and %q: want two different 16-digit IDs", first, second)
	}
	// A sub-resource fetched again under the first load counts for it alone.
	if err := fetchOne(c, ts.URL+"/demo/js/app.js?load="+first); err != nil {
		t.Fatal(err)
	}
	if r := getReport(t, c, ts.URL, first); r.Requests != n+1 {
		t.Errorf("first load: %d requests, want %d", r.Requests, n+1)
	}
	if r := getReport(t, c, ts.URL, second); r.Requests != n {
		t.Errorf("second load: %d requests, want %d", r.Requests, n)
	}
}

func TestUnknownConnectionIsUnattributed(t *testing.T) {
	testrig.CheckLeaks(t)
	ts := newTestServerWith(t, true, nil, maxLoads, maxEntriesPerLoad)
	c := newClient(t, 2, true)

	status, _, body := get(t, c, http.MethodGet, ts.URL+"/")
	if status != http.StatusOK {
		t.Fatalf("GET /: status %d", status)
	}
	load, urls := parsePage(t, string(body))
	if err := fetchAll(c, ts.URL, urls, 4); err != nil {
		t.Fatal(err)
	}
	r := getReport(t, c, ts.URL, load)
	if r.Requests != len(urls) || r.Unattributed != len(urls) || r.Connections != 0 {
		t.Errorf("requests %d, unattributed %d, connections %d; want %d, %d, 0",
			r.Requests, r.Unattributed, r.Connections, len(urls), len(urls))
	}
	if r.PageConnection != nil || r.ReportConnection != nil {
		t.Errorf("page_connection %v, report_connection %v; want neither", r.PageConnection, r.ReportConnection)
	}
}

// TestLoadsAreBounded renders more pages than the site remembers: the oldest
// loads go, the newest stay, the count never passes the cap, and each load's
// log stops growing at its own cap.
func TestLoadsAreBounded(t *testing.T) {
	testrig.CheckLeaks(t)
	const loadCap, entryCap = 100, 10
	ts := newTestServerWith(t, true, connIDFromContext, loadCap, entryCap)
	c := newClient(t, 1, true)

	var loads []string
	for range loadCap + 50 {
		status, _, body := get(t, c, http.MethodGet, ts.URL+"/")
		if status != http.StatusOK {
			t.Fatalf("GET /: status %d", status)
		}
		load, _ := parsePage(t, string(body))
		loads = append(loads, load)
		if n := ts.site.loads.len(); n > loadCap {
			t.Fatalf("site holds %d loads, cap is %d", n, loadCap)
		}
	}
	if n := ts.site.loads.len(); n != loadCap {
		t.Errorf("site holds %d loads, want the cap %d", n, loadCap)
	}
	if status, _, _ := get(t, c, http.MethodGet, ts.URL+"/demo/report?load="+loads[0]); status != http.StatusNotFound {
		t.Errorf("oldest load: status %d, want 404 (evicted)", status)
	}

	newest := loads[len(loads)-1]
	for range entryCap + 5 {
		if err := fetchOne(c, ts.URL+"/demo/css/base.css?load="+newest); err != nil {
			t.Fatal(err)
		}
	}
	if r := getReport(t, c, ts.URL, newest); r.Requests != entryCap || r.Dropped != 5 {
		t.Errorf("newest load: %d requests, %d dropped; want %d and 5", r.Requests, r.Dropped, entryCap)
	}
}

// TestDefaultBounds pins the bounds Handler uses: a thousand loads of at most
// five hundred requests each.
func TestDefaultBounds(t *testing.T) {
	s := Handler(nil).(*site)
	if s.loads.maxLoads != maxLoads || s.loads.maxEntries != maxEntriesPerLoad {
		t.Errorf("bounds %d loads × %d entries", s.loads.maxLoads, s.loads.maxEntries)
	}
	if maxLoads > 1000 || maxEntriesPerLoad > 500 {
		t.Errorf("bounds %d × %d are past 1000 × 500", maxLoads, maxEntriesPerLoad)
	}
}

// TestPageFitsItsMode renders the page as each mode serves it: its words
// must be that mode's, and its side-by-side table must list the modes of
// its scheme with this one marked.
func TestPageFitsItsMode(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tls, short  bool
		h2          bool
		says, never string
		rows        int
	}{
		{"http-h1", false, false, false, "keeps its connections open", "--no-keepalive</code>: this server closes", 2},
		{"http-close", false, true, false, "closes every connection after one response", "keeps its connections open", 2},
		{"https-h1", true, false, false, "keeps its connections open, TLS sessions and all", "speaking HTTP/2", 3},
		{"https-close", true, true, false, "and a\n    new TLS handshake", "keeps its connections open", 3},
		{"https-h2", true, true, true, "speaking HTTP/2 to you", "keeps its connections open", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newSite(nil, maxLoads, maxEntriesPerLoad)
			if err != nil {
				t.Fatal(err)
			}
			s.short = tc.short
			req := httptest.NewRequest("GET", "/", nil)
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tc.h2 {
				req.ProtoMajor, req.Proto = 2, "HTTP/2.0"
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			page := rec.Body.String()
			if !strings.Contains(page, `data-mode="`+tc.name+`"`) {
				t.Fatalf("the page is not marked %s", tc.name)
			}
			if !strings.Contains(page, tc.says) || strings.Contains(page, tc.never) {
				t.Errorf("the page should say %q and never %q", tc.says, tc.never)
			}
			if rows := strings.Count(page, "<tr data-mode="); rows != tc.rows {
				t.Errorf("%d rows side by side, want %d", rows, tc.rows)
			}
			if !strings.Contains(page, `<tr data-mode="`+tc.name+`" class="current">`) {
				t.Errorf("this load's row is not marked")
			}
		})
	}
}
