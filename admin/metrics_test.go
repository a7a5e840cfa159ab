package admin_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"holdfast"
	"holdfast/admin"
	"holdfast/client"
	"holdfast/internal/testrig"
)

// engines lists the engines that run here.
func engines() []holdfast.Engine {
	if runtime.GOOS == "linux" {
		return []holdfast.Engine{holdfast.EngineGoroutine, holdfast.EngineEpoll}
	}
	return []holdfast.Engine{holdfast.EngineGoroutine}
}

// runEngines runs f once per engine, as a subtest, with the leak check.
func runEngines(t *testing.T, f func(t *testing.T, e holdfast.Engine)) {
	t.Helper()
	for _, e := range engines() {
		t.Run(e.String(), func(t *testing.T) {
			testrig.CheckLeaks(t)
			f(t, e)
		})
	}
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

// metricsRig is an application server and its admin listener.
type metricsRig struct {
	app      *holdfast.Server
	appAddr  string
	adminURL string
}

func newMetricsRig(t *testing.T, e holdfast.Engine, pol holdfast.Policy, opts ...admin.Option) *metricsRig {
	t.Helper()
	app := &holdfast.Server{Handler: okHandler, Engine: e, Policy: pol}
	r := &metricsRig{app: app, appAddr: serve(t, app)}
	r.adminURL = "http://" + serve(t, &holdfast.Server{Handler: admin.Handler(app, opts...)})
	return r
}

// scrape is one /metrics response, raw and parsed.
type scrape struct {
	raw      []byte
	families map[string]*dto.MetricFamily
}

func (r *metricsRig) scrape(t *testing.T) scrape {
	t.Helper()
	resp, err := testClient.Get(r.adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, raw)
	}
	return scrape{raw: raw, families: families}
}

// metric finds the sample of family name whose labels include want
// (label=value pairs), or fails.
func (s scrape) metric(t *testing.T, name string, want ...string) *dto.Metric {
	t.Helper()
	fam := s.families[name]
	if fam == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range fam.Metric {
		have := map[string]string{}
		for _, lp := range m.Label {
			have[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if have[want[i]] != want[i+1] {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s with labels %v", name, want)
	return nil
}

// value is the number a counter or gauge sample holds.
func (s scrape) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	m := s.metric(t, name, labels...)
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	t.Fatalf("%s is not a counter or gauge", name)
	return 0
}

// histogram returns a histogram's count, sum and cumulative count at le.
func (s scrape) histogram(t *testing.T, name string, le float64) (count uint64, sum float64, atLE uint64) {
	t.Helper()
	h := s.metric(t, name).Histogram
	if h == nil {
		t.Fatalf("%s is not a histogram", name)
	}
	for _, b := range h.Bucket {
		if b.GetUpperBound() == le {
			atLE = b.GetCumulativeCount()
		}
	}
	return h.GetSampleCount(), h.GetSampleSum(), atLE
}

// waitMetric scrapes until cond holds (bounded), and returns that scrape.
func (r *metricsRig) waitMetric(t *testing.T, what string, cond func(scrape) bool) scrape {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s := r.scrape(t)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed %s:\n%s", what, s.raw)
		}
	}
}

// promtool passes the output of /metrics, with the server's, the
// client's, Go's and the process's metrics in it.
func TestMetricsPromtoolCheck(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	runEngines(t, func(t *testing.T, e holdfast.Engine) {
		tr := &client.Transport{}
		defer tr.CloseIdleConnections()
		r := newMetricsRig(t, e, holdfast.Policy{}, admin.WithTransport("app", tr), admin.WithVersion("test"))
		getThrough(t, tr, "http://"+r.appAddr+"/", 3)
		s := r.scrape(t)
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(s.raw)
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) != 0 {
			t.Fatalf("promtool check metrics: %v\n%s", err, out)
		}
		for _, name := range []string{"holdfast_connections_open", "holdfast_requests_per_connection", "holdfast_upstream_requests_total", "go_goroutines"} {
			if s.families[name] == nil {
				t.Errorf("no %s in the checked output", name)
			}
		}
		if runtime.GOOS == "linux" && s.families["process_cpu_seconds_total"] == nil {
			t.Error("no process metrics")
		}
	})
}

// A fresh server lists every close reason and every open state, at zero.
func TestMetricsEveryLabelAtZero(t *testing.T) {
	r := newMetricsRig(t, holdfast.EngineAuto, holdfast.Policy{})
	s := r.scrape(t)
	for _, reason := range holdfast.CloseReasons() {
		if v := s.value(t, "holdfast_connections_closed_total", "reason", reason.String()); v != 0 {
			t.Errorf("closed_total{reason=%q} = %v on a fresh server", reason, v)
		}
	}
	if n := len(s.families["holdfast_connections_closed_total"].Metric); n != len(holdfast.CloseReasons()) {
		t.Errorf("%d close reasons listed, want %d", n, len(holdfast.CloseReasons()))
	}
	for _, state := range []string{"new", "reading-head", "reading-body", "handling", "writing", "idle", "closing", "hijacked"} {
		if v := s.value(t, "holdfast_connections_open", "state", state); v != 0 {
			t.Errorf("connections_open{state=%q} = %v on a fresh server", state, v)
		}
	}
	for _, name := range []string{"holdfast_connections_accepted_total", "holdfast_requests_total", "holdfast_requests_reused_total",
		"holdfast_received_bytes_total", "holdfast_sent_bytes_total", "holdfast_connections_hijacked_total"} {
		if v := s.value(t, name); v != 0 {
			t.Errorf("%s = %v on a fresh server", name, v)
		}
	}
}

// An idle timeout raises closed_total{reason="idle-timeout"} by exactly
// one, and nothing else; the closed connection enters the histograms.
func TestMetricsIdleTimeout(t *testing.T) {
	runEngines(t, func(t *testing.T, e holdfast.Engine) {
		r := newMetricsRig(t, e, holdfast.Policy{IdleTimeout: 300 * time.Millisecond})
		before := r.scrape(t)
		c := exchange(t, r.appAddr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true)
		defer c.Close()
		idle := r.waitMetric(t, "an idle connection", func(s scrape) bool {
			return s.value(t, "holdfast_connections_open", "state", "idle") == 1
		})
		if v := idle.value(t, "holdfast_connections_accepted_total"); v != 1 {
			t.Errorf("accepted_total = %v, want 1", v)
		}
		after := r.waitMetric(t, "the idle timeout", func(s scrape) bool {
			return s.value(t, "holdfast_connections_closed_total", "reason", "idle-timeout") >= 1
		})
		for _, reason := range holdfast.CloseReasons() {
			want := before.value(t, "holdfast_connections_closed_total", "reason", reason.String())
			if reason == holdfast.CloseIdleTimeout {
				want++
			}
			if got := after.value(t, "holdfast_connections_closed_total", "reason", reason.String()); got != want {
				t.Errorf("closed_total{reason=%q} = %v, want %v", reason, got, want)
			}
		}
		if v := after.value(t, "holdfast_connections_open", "state", "idle"); v != 0 {
			t.Errorf("connections_open{state=idle} = %v after the close", v)
		}
		count, sum, atOne := after.histogram(t, "holdfast_requests_per_connection", 1)
		if count != 1 || sum != 1 || atOne != 1 {
			t.Errorf("requests_per_connection: count %d sum %v le=1 %d; want 1, 1, 1", count, sum, atOne)
		}
		count, sum, atQuarter := after.histogram(t, "holdfast_connection_duration_seconds", 0.25)
		if count != 1 || sum < 0.3 || atQuarter != 0 {
			t.Errorf("connection_duration_seconds: count %d sum %v le=0.25 %d; want 1, ≥0.3, 0", count, sum, atQuarter)
		}
	})
}

// A reused connection moves the reuse figures: requests_reused_total and
// the idle-before-reuse histogram, one per request after the first.
func TestMetricsReuse(t *testing.T) {
	runEngines(t, func(t *testing.T, e holdfast.Engine) {
		r := newMetricsRig(t, e, holdfast.Policy{})
		get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
		c := exchange(t, r.appAddr, get, true)
		fresh := r.scrape(t)
		if v := fresh.value(t, "holdfast_requests_reused_total"); v != 0 {
			t.Fatalf("requests_reused_total = %v after one request", v)
		}
		for range 2 {
			sendAndRead(t, c, get)
		}
		s := r.scrape(t)
		if v := s.value(t, "holdfast_requests_total"); v != 3 {
			t.Errorf("requests_total = %v, want 3", v)
		}
		if v := s.value(t, "holdfast_requests_reused_total"); v != 2 {
			t.Errorf("requests_reused_total = %v, want 2", v)
		}
		if count, sum, _ := s.histogram(t, "holdfast_idle_before_reuse_seconds", 1); count != 2 || sum < 0 {
			t.Errorf("idle_before_reuse_seconds: count %d sum %v, want 2 observations", count, sum)
		}
		if in, out := s.value(t, "holdfast_received_bytes_total"), s.value(t, "holdfast_sent_bytes_total"); in != float64(3*len(get)) || out == 0 {
			t.Errorf("bytes received %v (want %d), sent %v", in, 3*len(get), out)
		}
		c.Close()
		after := r.waitMetric(t, "the client's close", func(s scrape) bool {
			return s.value(t, "holdfast_connections_closed_total", "reason", "client-close") == 1
		})
		count, sum, atTwo := after.histogram(t, "holdfast_requests_per_connection", 2)
		_, _, atFour := after.histogram(t, "holdfast_requests_per_connection", 4)
		if count != 1 || sum != 3 || atTwo != 0 || atFour != 1 {
			t.Errorf("requests_per_connection: count %d sum %v le=2 %d le=4 %d; want 1, 3, 0, 1", count, sum, atTwo, atFour)
		}
		if v := after.value(t, "holdfast_requests_total"); v != 3 {
			t.Errorf("requests_total = %v after the close, want 3", v)
		}
	})
}

// The client's figures: requests, connections opened, reuse and the
// host's pool, labelled by upstream and host.
func TestMetricsUpstream(t *testing.T) {
	tr := &client.Transport{}
	defer tr.CloseIdleConnections()
	r := newMetricsRig(t, holdfast.EngineAuto, holdfast.Policy{}, admin.WithTransport("app", tr))
	getThrough(t, tr, "http://"+r.appAddr+"/", 3)
	s := r.scrape(t)
	for name, want := range map[string]float64{
		"holdfast_upstream_requests_total":           3,
		"holdfast_upstream_connections_opened_total": 1,
		"holdfast_upstream_requests_reused_total":    2,
		"holdfast_upstream_retries_total":            0,
		"holdfast_upstream_connections_open":         1,
	} {
		if got := s.value(t, name, "upstream", "app"); got != want {
			t.Errorf("%s{upstream=app} = %v, want %v", name, got, want)
		}
	}
	if v := s.value(t, "holdfast_upstream_pool_connections", "upstream", "app", "host", r.appAddr, "state", "idle"); v != 1 {
		t.Errorf("pool_connections{state=idle} = %v, want 1", v)
	}
	if v := s.value(t, "holdfast_upstream_connections_closed_total", "upstream", "app", "reason", "stale"); v != 0 {
		t.Errorf("closed_total{reason=stale} = %v, want 0", v)
	}
	if _, ok := s.families["holdfast_upstream_up"]; ok {
		t.Error("an upstream with no health check has an up metric")
	}
}

// getThrough GETs url n times through a client Transport, reading each
// response to its end so that its connection is reused.
func getThrough(t *testing.T, tr *client.Transport, url string, n int) {
	t.Helper()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for range n {
		resp, err := hc.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// sendAndRead sends a request on a kept connection and reads its
// response.
func sendAndRead(t *testing.T, c net.Conn, req string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("response %v, %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// The alerting rules docs/metrics.md gives are valid Prometheus rules,
// and name only metrics that exist.
func TestDocumentedRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(doc, []byte("```yaml\n"))
	rules, _, closed := bytes.Cut(rest, []byte("```"))
	if !ok || !closed {
		t.Fatal("no yaml block in docs/metrics.md")
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, rules, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	known := map[string]bool{}
	r := newMetricsRig(t, holdfast.EngineAuto, holdfast.Policy{}, admin.WithTransport("app", &client.Transport{}))
	for name := range r.scrape(t).families {
		known[name] = true
	}
	known["holdfast_upstream_up"] = true // sent only for upstreams a health check watches
	for _, name := range regexp.MustCompile(`holdfast_[a-z_]+`).FindAllString(string(rules), -1) {
		if base := strings.TrimSuffix(name, "_bucket"); !known[base] {
			t.Errorf("the rules name %s, which /metrics does not have", name)
		}
	}
}
