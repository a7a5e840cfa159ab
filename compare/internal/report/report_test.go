package report

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.md")

func sample() *Report {
	r := &Report{
		Date:     "2026-01-02T03:04:05Z",
		Command:  "go run ./cmd/harness -rounds 3",
		Machine:  Machine{CPU: "AMD EPYC", Cores: 2, Kernel: "6.1", Go: "go1.26.8", Nginx: "nginx/1.22.1", Wrk: "wrk 4.1.0"},
		Settings: []KV{{"rounds", "3"}},
		Notes:    []string{"holdfast skipped: did not build"},
	}
	sc := Scenario{Key: "a", Title: "(a) keep-alive", About: "wrk -t1 -c64.",
		Metrics: []Metric{{Key: "rps", Title: "req/s", Unit: UnitRate, Higher: true}, {Key: "p99", Title: "p99", Unit: UnitMicros}}}
	x := ServerResult{Server: "x"}
	for _, v := range []float64{100, 300, 200} {
		x.Add("rps", v)
	}
	for _, v := range []float64{900, 1500, 1100} {
		x.Add("p99", v)
	}
	y := ServerResult{Server: "y|z", Failures: []string{"round 2: exit status 1"}}
	y.Add("rps", 50)
	y.Add("p99", 2500)
	sc.Servers = []ServerResult{x, y, {Server: "dead", Failures: []string{"round 1: refused"}}}
	r.Scenarios = []Scenario{sc}
	r.Summarize()
	return r
}

// TestMarkdownGolden pins the whole rendering; run with -update after an
// intended change and read the diff.
func TestMarkdownGolden(t *testing.T) {
	got := sample().Markdown()
	path := filepath.Join("testdata", "golden.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Markdown differs from %s (go test -run Golden -update):\n%s", path, got)
	}
}

func TestMarkdownContent(t *testing.T) {
	md := sample().Markdown()
	for _, want := range []string{
		"| x | 200 (100–300) | 1.10ms (900µs–1.50ms) |", // median (min–max)
		`| y\|z | 50 | 2.50ms |`,                        // one round: no range; | escaped
		"| dead | – | – |",                              // no samples
		"| x | 1.00× | 4.00× | – |",                     // ratios of req/s
		"- dead: round 1: refused",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
}

// TestMarkdownTitles checks the headings a client benchmark sets, and that
// machine rows it has no value for are left out.
func TestMarkdownTitles(t *testing.T) {
	r := sample()
	r.Title = "holdfast client benchmark"
	r.Machine.Wrk = ""
	r.Scenarios[0].Subject = "client"
	md := r.Markdown()
	for _, want := range []string{"# holdfast client benchmark, 2026-01-02T03:04:05Z", "| client | req/s ↑ |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
	if strings.Contains(md, "| wrk |") {
		t.Errorf("empty wrk row rendered:\n%s", md)
	}
	r.Scenarios[0].Metrics[1].NoRatios = true
	if md := r.Markdown(); strings.Contains(md, "p99 ↓: ratio of medians") || !strings.Contains(md, "req/s ↑: ratio of medians") {
		t.Errorf("NoRatios not honoured:\n%s", md)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	b, err := sample().JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := back.Scenarios[0].Servers[0].Summary["rps"]
	if s.Median != 200 || s.Min != 100 || s.Max != 300 || s.N != 3 {
		t.Fatalf("summary after round trip = %+v", s)
	}
	if _, ok := back.Scenarios[0].Servers[2].Summary["rps"]; ok {
		t.Fatal("a server without samples got a summary")
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		unit string
		v    float64
		want string
	}{
		{UnitRate, 1234567.4, "1,234,567"},
		{UnitRate, 999, "999"},
		{UnitRate, -1234, "-1,234"},
		{UnitMicros, 512.3, "512µs"},
		{UnitMicros, 1620, "1.62ms"},
		{UnitMicros, 2.5e6, "2.50s"},
		{UnitKiB, 3.14159, "3.14 KiB"},
		{UnitCPUms, 1234, "1,234 ms"},
		{UnitPercent, 12.34, "12.3%"},
		{UnitDecimal, 36.04, "36.0"},
		{UnitRatio, 2.314, "2.31×"},
		{UnitRate, math.NaN(), "–"},
	}
	for _, c := range cases {
		if got := Format(c.unit, c.v); got != c.want {
			t.Errorf("Format(%q, %v) = %q, want %q", c.unit, c.v, got, c.want)
		}
	}
}

func TestSave(t *testing.T) {
	base := filepath.Join(t.TempDir(), "sub", "stamp")
	r := &Report{Title: "t"}
	if err := r.Save(base, "# md\n"); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(base + ".md")
	if err != nil || string(md) != "# md\n" {
		t.Fatalf("md %q, %v", md, err)
	}
	if js, err := os.ReadFile(base + ".json"); err != nil || len(js) == 0 || js[len(js)-1] != '\n' {
		t.Fatalf("json %q, %v", js, err)
	}
}

func TestCounts(t *testing.T) {
	if got := Counts(map[string]int{"EOF": 2, "connection reset": 5, "a": 2}); got != "connection reset 5, EOF 2, a 2" {
		t.Errorf("Counts = %q", got)
	}
	if got := Counts(nil); got != "–" {
		t.Errorf("Counts(nil) = %q", got)
	}
}
