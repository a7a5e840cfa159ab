package admin_test

import (
	"net/http"
	"regexp"
	"strings"
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

// WithUpstreams serves the list at GET /upstreams, and the admin
// endpoints as before.
func TestUpstreamsEndpoint(t *testing.T) {
	testrig.CheckLeaks(t)
	app := &holdfast.Server{}
	h := admin.WithUpstreams(admin.Handler(app), func() []upstream { return upstreams })
	adminURL := "http://" + serve(t, &holdfast.Server{Handler: h})
	var got []upstream
	getJSON(t, adminURL+"/upstreams", &got)
	if len(got) != 2 || got[0].URL != upstreams[0].URL || got[0].Reused != 1998 || got[1].Healthy {
		t.Errorf("/upstreams: %+v", got)
	}
	var st map[string]any
	getJSON(t, adminURL+"/stats", &st)
	if _, ok := st["requests"]; !ok {
		t.Errorf("/stats: %v", st)
	}
}

// The live page shows the upstreams when the admin listener has them, in
// a browser: one row each, with its health; without them the section
// stays hidden.
func TestLivePageShowsUpstreams(t *testing.T) {
	testrig.CheckLeaks(t)
	app := &holdfast.Server{}
	plain := "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app)})
	withUps := "http://" + serve(t, &holdfast.Server{Handler: admin.WithUpstreams(admin.Handler(app), func() []upstream { return upstreams })})

	dom := testrig.ChromiumDOM(t, withUps+"/")
	section := regexp.MustCompile(`(?s)<section id="upstreams-section"[^>]*>.*?</section>`).FindString(dom)
	if section == "" || strings.Contains(section[:strings.Index(section, ">")], "hidden") {
		t.Fatalf("upstreams section missing or hidden:\n%s", dom)
	}
	rows := regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(section[strings.Index(section, "<tbody"):], -1)
	if len(rows) != 2 || !strings.Contains(rows[0], "http://10.0.0.1:8080") || !strings.Contains(rows[0], "healthy") ||
		!strings.Contains(rows[0], "99.90 %") || !strings.Contains(rows[1], "ejected 4.0 s") {
		t.Errorf("upstream rows:\n%s", strings.Join(rows, "\n"))
	}

	dom = testrig.ChromiumDOM(t, plain+"/")
	if section := regexp.MustCompile(`<section id="upstreams-section"[^>]*>`).FindString(dom); !strings.Contains(section, "hidden") {
		t.Errorf("without upstreams the section shows: %s", section)
	}
	resp, err := http.Get(plain + "/upstreams")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/upstreams without a proxy: %d", resp.StatusCode)
	}
}
