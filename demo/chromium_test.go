package demo

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"holdfast/internal/testrig"
)

var (
	figureTag = regexp.MustCompile(`<span\b[^>]*\bid="(requests|connections)"[^>]*>`)
	dataN     = regexp.MustCompile(`\bdata-n="(\d+)"`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	summary   = regexp.MustCompile(`(\d+) requests? over (\d+) TCP connections?`)
)

// renderedFigures reads the figures the page's script wrote: the data-n
// attributes of #requests and #connections, checked against the visible text.
func renderedFigures(t *testing.T, dom string) (requests, connections int) {
	t.Helper()
	figures := make(map[string]int)
	for _, m := range figureTag.FindAllStringSubmatch(dom, -1) {
		n := dataN.FindStringSubmatch(m[0])
		if n == nil {
			t.Fatalf("%s was not rendered: %s\nDOM:\n%s", m[1], m[0], dom)
		}
		figures[m[1]], _ = strconv.Atoi(n[1])
	}
	if len(figures) != 2 {
		t.Fatalf("no #requests and #connections in the DOM:\n%s", dom)
	}
	text := summary.FindStringSubmatch(anyTag.ReplaceAllString(dom, ""))
	if text == nil {
		t.Fatalf("no \"N requests over M TCP connections\" text in the DOM:\n%s", dom)
	}
	if text[1] != strconv.Itoa(figures["requests"]) || text[2] != strconv.Itoa(figures["connections"]) {
		t.Fatalf("text %q disagrees with data-n %v", text[0], figures)
	}
	return figures["requests"], figures["connections"]
}

func TestChromium(t *testing.T) {
	testrig.CheckLeaks(t)
	for _, tc := range []struct {
		name      string
		keepAlive bool
	}{{"keep-alive", true}, {"short-connections", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.keepAlive)
			dom := testrig.ChromiumDOM(t, ts.URL+"/")
			if !strings.Contains(dom, `data-state="done"`) {
				t.Fatalf("report not rendered (no data-state=\"done\"):\n%s", dom)
			}
			n, m := renderedFigures(t, dom)
			t.Logf("%s: %d requests over %d TCP connections", tc.name, n, m)
			if n < 30 {
				t.Errorf("requests = %d, want at least 30", n)
			}
			if tc.keepAlive && (m < 1 || m > 6) {
				t.Errorf("connections = %d, want 1..6 with keep-alive", m)
			}
			if !tc.keepAlive && m != n {
				t.Errorf("connections = %d, want one per request (%d) without keep-alive", m, n)
			}
			if !tc.keepAlive && !strings.Contains(dom, `id="header-connection">close<`) {
				t.Errorf("the page does not show the report's Connection: close")
			}
			if text := anyTag.ReplaceAllString(dom, ""); !tc.keepAlive && strings.Contains(text, "keeps its connections open") {
				t.Errorf("a page served with short connections says it keeps its connections open")
			}
			if !loadTime.MatchString(dom) {
				t.Errorf("the page shows no load time")
			}
		})
	}
}
