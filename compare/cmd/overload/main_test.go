package main

import (
	"bufio"
	"holdfast/internal/testrig"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-servers", "holdfast:epoll, nginx", "-scenarios", "slowloris"})
	if err != nil || len(cfg.servers) != 2 || cfg.servers[0].engine != "epoll" || cfg.servers[1].kind != "nginx" {
		t.Fatalf("%+v, %v", cfg.servers, err)
	}
	for _, bad := range [][]string{
		{"-servers", "nginx:epoll"},
		{"-servers", "apache"},
		{"-scenarios", "teardrop"},
		{"-soak-conns", "100", "-soak-slow", "90"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMetricValue(t *testing.T) {
	text := "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines_total 3\ngo_goroutines 17\n"
	if got := metricValue(bufio.NewScanner(strings.NewReader(text)), "go_goroutines"); got != 17 {
		t.Fatalf("got %d, want 17", got)
	}
	if got := metricValue(bufio.NewScanner(strings.NewReader("up 1\n")), "go_goroutines"); got != -1 {
		t.Fatalf("absent: got %d, want -1", got)
	}
}

func TestStatusField(t *testing.T) {
	status := "Name:\tholdfast\nThreads:\t7\nVmRSS:\t  1234 kB\n"
	if got := statusField(status, "Threads"); got != 7 {
		t.Fatalf("Threads: %d", got)
	}
	if got := statusField(status, "Voluntary"); got != -1 {
		t.Fatalf("absent: %d", got)
	}
}

func TestDrift(t *testing.T) {
	var points []point
	for i, rss := range []int64{10, 50, 100, 104, 102, 105} {
		points = append(points, point{at: time.Duration(i) * 10 * time.Second, rssKiB: rss})
	}
	from, to, peak, pct, ok := drift(points, 20*time.Second, func(p point) int64 { return p.rssKiB })
	if !ok || from != 100 || to != 105 || peak != 105 || pct != 5 {
		t.Fatalf("%d %d %d %v %v", from, to, peak, pct, ok)
	}
	if _, _, _, _, ok := drift(points[:3], 20*time.Second, func(p point) int64 { return p.rssKiB }); ok {
		t.Fatal("one sample after the warm-up gave a drift")
	}
}

func TestClosesSince(t *testing.T) {
	before := adminStats{Closed: map[string]int64{"header-timeout": 5, "client-close": 2}}
	after := adminStats{Closed: map[string]int64{"header-timeout": 9, "client-close": 2, "shed": 1}}
	got := closesSince(before, after)
	if len(got) != 2 || got["header-timeout"] != 4 || got["shed"] != 1 {
		t.Fatalf("%v", got)
	}
}

// The slowloris table gives the p99 ratio and RSS per slow connection, and
// each holdfast against nginx.
func TestSlowlorisReport(t *testing.T) {
	mk := func(name string, base, attack float64, rssBase, rssPeak, held int64) slowlorisResult {
		r := slowlorisResult{server: name, baseRSSKiB: rssBase, peakRSSKiB: rssPeak, peakHeld: held}
		r.base.Latency.P99, r.attack.Latency.P99 = base, attack
		return r
	}
	rep := &report{cfg: config{good: 32, goodRate: 2000, attackers: 4000}, slowloris: []slowlorisResult{
		mk("holdfast:epoll", 1, 1.5, 10_000, 30_000, 4000), // 5 KiB per conn
		mk("nginx", 2, 2, 5_000, 45_000, 4000),             // 10 KiB per conn
	}}
	md := rep.markdown()
	for _, want := range []string{"| holdfast:epoll | 1.00 | 1.50 | 1.50× |", "| 4000 | 9.8 | 29.3 | 5.0 |", "RSS per slow connection 0.50× nginx's; p99 under attack 0.75× nginx's"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in\n%s", want, md)
		}
	}
}

// A short slowloris hold-out against holdfast and nginx, unpinned: every
// phase ran, and every slow connection is accounted for.
func TestSlowlorisRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds holdfast and runs servers")
	}
	targets := "holdfast:epoll"
	if _, err := testrig.FindNginx(); err == nil {
		targets += ",nginx"
	}
	cfg, err := parseFlags([]string{"-servers", targets, "-scenarios", "slowloris", "-duration", "2s", "-attackers", "20",
		"-rate", "100", "-slow-interval", "300ms", "-header-timeout", "1s", "-good", "2", "-good-rate", "50",
		"-server-cpu", "", "-client-cpu", "", "-nofile", "1024"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := prepare(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rep := newReport(cfg)
	for _, target := range cfg.servers {
		if err := e.runScenario("slowloris", target, rep); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rep.slowloris {
		var ended int64
		for _, n := range r.slow.Endings {
			ended += n
		}
		if r.base.Requests == 0 || r.attack.Requests == 0 || r.peakHeld == 0 || r.slow.Opened < 20 || ended != r.slow.Opened {
			t.Errorf("%s: %+v", r.server, r)
		}
	}
	t.Log(rep.markdown())
}
