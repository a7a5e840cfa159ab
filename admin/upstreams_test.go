package admin_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"holdfast"
	"holdfast/admin"
	"holdfast/internal/testrig"
)

// upstream is what a reverse proxy says of an upstream (holdfast/proxy's
// UpstreamStats has these fields and more).
type upstream struct {
	URL               string            `json:"url"`
	Healthy           bool              `json:"healthy"`
	Requests          uint64            `json:"requests"`
	Reused            uint64            `json:"reused"`
	Closed            map[string]uint64 `json:"closed"`
	EjectedFor        float64           `json:"ejected_for_seconds"`
	HealthCheckFailed bool              `json:"health_check_failed"`
}

var upstreams = []upstream{
	{URL: "http://10.0.0.1:8080", Healthy: true, Requests: 2000, Reused: 1998, Closed: map[string]uint64{"stale": 3}},
	{URL: "http://10.0.0.2:8080", EjectedFor: 4, Closed: map[string]uint64{}},
}

// WithUpstreams serves the list at GET /upstreams, beside the admin
// endpoints; without it there is none.
func TestUpstreamsEndpoint(t *testing.T) {
	testrig.CheckLeaks(t)
	app := &holdfast.Server{}
	withUps := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app, admin.WithUpstreams(func() []upstream { return upstreams }))})
	var got []upstream
	getJSON(t, withUps+"/upstreams", &got)
	if len(got) != 2 || got[0].URL != upstreams[0].URL || got[0].Reused != 1998 || got[1].Healthy {
		t.Errorf("/upstreams: %+v", got)
	}
	var st map[string]any
	getJSON(t, withUps+"/stats", &st)
	if _, ok := st["requests"]; !ok {
		t.Errorf("/stats: %v", st)
	}
	plain := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})
	resp, err := http.Get(plain + "/upstreams")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/upstreams without a proxy: %d", resp.StatusCode)
	}
}

// The live page shows the upstreams when the admin listener has them, in
// a browser: one row each, with its health and reuse, updated in place;
// without them the section stays hidden.
func TestLivePageShowsUpstreams(t *testing.T) {
	chromium := findChromium(t)
	app := &holdfast.Server{}
	var current atomic.Pointer[[]upstream]
	current.Store(&upstreams)
	list := func() []upstream { return *current.Load() }
	withUps := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app, admin.WithUpstreams(list))})
	page := openBrowser(t, chromium, withUps)
	first := `document.querySelector('#upstreamList tr[data-url="http://10.0.0.1:8080"]')`
	second := `document.querySelector('#upstreamList tr[data-url="http://10.0.0.2:8080"]')`
	page.waitFor("two upstream rows", `!$("upstreamsSection").hidden && $("upstreamList").rows.length === 2 && `+
		first+`.cells[1].textContent === "healthy" && `+first+`.cells[4].textContent === "99.90 %" && `+first+`.cells[9].textContent === "3" && `+
		second+`.cells[1].textContent === "ejected 4.0 s"`)
	page.eval(first + `.dataset.mark = "kept"`)
	later := []upstream{{URL: "http://10.0.0.1:8080", Healthy: true, Requests: 4000, Reused: 3998, Closed: map[string]uint64{"stale": 3}}}
	current.Store(&later)
	page.waitFor("the row updated in place, the other gone", `$("upstreamList").rows.length === 1 && `+
		first+`.cells[2].textContent === "4,000" && `+first+`.dataset.mark === "kept"`)
	page.checkLayout("desktop")

	plain := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})
	page = openBrowser(t, chromium, plain)
	page.waitFor("the first frame, and no upstream section", `holdfastLive.frames > 0 && $("upstreamsSection").hidden`)
}
