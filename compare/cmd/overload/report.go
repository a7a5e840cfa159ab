package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"holdfast/compare/internal/crowd"
	"holdfast/compare/internal/sysinfo"
	"holdfast/internal/testrig"
)

// report gathers every scenario's results for the Markdown output.
type report struct {
	cfg       config
	start     time.Time
	command   string
	machine   string
	slowloris []slowlorisResult
	slowbody  []slowbodyResult
	soak      []soakResult
}

func newReport(cfg config) *report {
	m := fmt.Sprintf("%s, %d CPUs, Linux %s, %s", sysinfo.CPUModel(), onlineCPUs(), sysinfo.Kernel(), runtime.Version())
	for _, t := range cfg.servers {
		if t.kind == "nginx" {
			if bin, err := testrig.FindNginx(); err == nil {
				m += ", " + sysinfo.NginxVersion(bin)
			}
			break
		}
	}
	return &report{cfg: cfg, start: time.Now(), command: "go run ./cmd/overload " + strings.Join(os.Args[1:], " "), machine: m}
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Servers under overload\n\n%s UTC, `%s`\n\n%s. Server on CPU %s (holdfast with GOMAXPROCS=1, nginx with one process), clients on CPU %s; server open-file limit %d; header timeout %s, idle timeout %s for every server.\n\n",
		r.start.UTC().Format("2006-01-02 15:04"), r.command, r.machine, r.cfg.serverCPU, r.cfg.clientCPU, r.cfg.noFile, r.cfg.headerTimeout, r.cfg.idleTimeout)
	if len(r.slowloris) > 0 {
		r.slowlorisSection(&b)
	}
	if len(r.slowbody) > 0 {
		r.slowbodySection(&b)
	}
	for _, s := range r.soak {
		r.soakSection(&b, s)
	}
	return b.String()
}

func (r *report) slowlorisSection(b *strings.Builder) {
	c := r.cfg
	fmt.Fprintf(b, "## Slowloris hold-out\n\nWell-behaved load: `holdfast bench -c %d --rate %d` for %s alone (baseline), then for %s beside %d slow connections (at most %d new per second, one header line every %s, each replaced as the server closes it).\n\n",
		c.good, c.goodRate, c.duration, c.duration, c.attackers, c.rate, c.slowInterval)
	b.WriteString("| server | good p99 baseline ms | good p99 under attack ms | ratio | good failed (baseline / attack) | good req/s under attack | slow conns held at peak | RSS baseline MiB | RSS peak MiB | RSS per slow conn KiB | server CPU % under attack | others on the server's CPU % (baseline / attack) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.slowloris {
		fmt.Fprintf(b, "| %s | %.2f | %.2f | %.2f× | %d / %d | %.0f | %d | %.1f | %.1f | %.1f | %.0f | %s / %s |\n", s.server,
			s.base.Latency.P99, s.attack.Latency.P99, s.p99Ratio(), s.base.Failed, s.attack.Failed, s.attack.RPS,
			s.peakHeld, mib(s.baseRSSKiB), mib(s.peakRSSKiB), s.rssPerSlowKiB(), 100*s.cpuShare, percent(s.othersBase), percent(s.othersAttack))
	}
	b.WriteString("\nThe latency of a phase in which other processes used more than 10% of the server's CPU measures the machine more than the server.\n")
	b.WriteString("\nHow the slow connections ended (seen by the client; \"open at the end\" were still held when the attack stopped):\n\n")
	b.WriteString("| server | slow conns opened | ended by the server | age when the server ended it, s: min / median / max | endings | server's closes by reason |\n")
	b.WriteString("| --- | ---: | ---: | --- | --- | --- |\n")
	for _, s := range r.slowloris {
		n, lo, med, hi := s.slow.Lifetimes()
		fmt.Fprintf(b, "| %s | %d | %d | %.1f / %.1f / %.1f | %s | %s |\n", s.server, s.slow.Opened, n, lo, med, hi,
			s.slow.EndingsText(), reasonsText(s.closes))
	}
	b.WriteString("\n")
	ratios(b, r.slowloris)
}

// ratios compares each holdfast's RSS per slow connection and p99 ratio
// with nginx's, when nginx ran.
func ratios(b *strings.Builder, rs []slowlorisResult) {
	i := slices.IndexFunc(rs, func(r slowlorisResult) bool { return r.server == "nginx" })
	if i < 0 || rs[i].rssPerSlowKiB() <= 0 {
		return
	}
	nginx := rs[i]
	for _, r := range rs {
		if r.server != "nginx" {
			fmt.Fprintf(b, "- %s: RSS per slow connection %.2f× nginx's; p99 under attack %.2f× nginx's\n",
				r.server, r.rssPerSlowKiB()/nginx.rssPerSlowKiB(), r.attack.Latency.P99/nginx.attack.Latency.P99)
		}
	}
	b.WriteString("\n")
}

func (r *report) slowbodySection(b *strings.Builder) {
	fmt.Fprintf(b, "## Slow bodies (slowhttptest -B, %d connections)\n\n", r.cfg.attackers)
	b.WriteString("| server | good req/s | good failed | good p99 ms | server CPU % | peak RSS MiB | server's closes by reason |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, s := range r.slowbody {
		fmt.Fprintf(b, "| %s | %.0f | %d | %.2f | %.0f | %.1f | %s |\n", s.server, s.good.RPS, s.good.Failed, s.good.Latency.P99,
			100*s.cpuShare, mib(s.peakRSSKiB), reasonsText(s.closes))
	}
	b.WriteString("\n")
}

func (r *report) soakSection(b *strings.Builder, s soakResult) {
	c := r.cfg
	fmt.Fprintf(b, "## Soak: %s\n\n%d connections at once for %s: %d idle keep-alive clients (a request every %s ±50%%, closing after %s ±50%% and reconnecting), %d slow-header clients (replaced as the server closes them), `holdfast bench -c %d --rate %d` (keep-alive) and `holdfast bench --no-keepalive -c %d --rate %d` (a connection per request). Sampled every %s; the first %s are the warm-up.\n\n",
		s.server, c.soak.conns, c.soak.duration, s.idleConns, c.soak.requestEvery, c.soak.lifetime, c.soak.slow, c.good, c.goodRate, shortConns, c.soak.shortRate, c.soak.every, c.soak.warmUp)
	b.WriteString("| figure | after warm-up | at the end | change | peak after warm-up |\n| --- | ---: | ---: | ---: | ---: |\n")
	if from, to, peak, pct, ok := drift(s.points, c.soak.warmUp, func(p point) int64 { return p.rssKiB }); ok {
		fmt.Fprintf(b, "| RSS MiB | %.1f | %.1f | %+.1f%% | %.1f |\n", mib(from), mib(to), pct, mib(peak))
	}
	for _, f := range []struct {
		name string
		get  func(point) int64
	}{{"goroutines", func(p point) int64 { return p.goroutines }}, {"threads", func(p point) int64 { return p.threads }},
		{"open connections (server)", func(p point) int64 { return p.open }}, {"connections held (slow + idle clients)", func(p point) int64 { return p.held }}} {
		if from, to, peak, pct, ok := drift(s.points, c.soak.warmUp, f.get); ok && from >= 0 {
			fmt.Fprintf(b, "| %s | %d | %d | %+.1f%% | %d |\n", f.name, from, to, pct, peak)
		}
	}
	b.WriteString("\n| client | requests | failed | p99 ms | connections opened | endings |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
	fmt.Fprintf(b, "| keep-alive load | %d | %d | %.2f | | |\n", s.keep.Requests, s.keep.Failed, s.keep.Latency.P99)
	fmt.Fprintf(b, "| connection per request | %d | %d | %.2f | %d | |\n", s.short.Requests, s.short.Failed, s.short.Latency.P99, s.short.Requests)
	fmt.Fprintf(b, "| idle keep-alive | %d | %d | | %d | %s |\n", s.idle.Requests, s.idle.Failed, s.idle.Opened, s.idle.EndingsText())
	n, lo, med, hi := s.slow.Lifetimes()
	fmt.Fprintf(b, "| slow headers | | | | %d | %s (age when the server ended it: %.1f / %.1f / %.1f s, %d) |\n\n", s.slow.Opened, s.slow.EndingsText(), lo, med, hi, n)
	fmt.Fprintf(b, "Server's closes by reason: %s. Server CPU %.0f%% of its core; other processes on that core %s%%.\n\n", reasonsText(s.closes), 100*s.cpuShare, percent(s.others))
	b.WriteString("| s | RSS MiB | goroutines | threads | open (server) | held (clients) |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range s.points {
		fmt.Fprintf(b, "| %.0f | %.1f | %d | %d | %d | %d |\n", p.at.Seconds(), mib(p.rssKiB), p.goroutines, p.threads, p.open, p.held)
	}
	b.WriteString("\n")
}

// onlineCPUs is the machine's CPU count (runtime.NumCPU counts only the
// CPUs this pinned process may use).
func onlineCPUs() int {
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(cpuinfo), "\nprocessor") + strings.Count(string(cpuinfo[:min(len(cpuinfo), 9)]), "processor")
}

// percent is a share of a core in percent; "?" when unknown (negative).
func percent(share float64) string {
	if share < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", 100*share)
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

func reasonsText(m map[string]int64) string {
	if len(m) == 0 {
		return "—"
	}
	return crowd.CountsText(m)
}
