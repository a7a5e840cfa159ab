package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/procstat"
	"holdfast/compare/internal/report"
	"holdfast/compare/internal/sysinfo"
)

// stampLayout names result files; it sorts by time and is safe in paths.
const stampLayout = "2006-01-02-150405"

// busyOther is the share of one core that other processes may use during a
// run before it is flagged.
const busyOther = 0.10

// Metric keys.
const (
	mRPS       = "rps"
	mRatio     = "ratio"
	mCPUus     = "cpu_us"
	mAllocs    = "allocs"
	mBytes     = "bytes"
	mSyscalls  = "syscalls"
	mClientCPU = "client_cpu"
	mServerCPU = "server_cpu"
	mOther     = "other_cpu"
)

var metrics = []report.Metric{
	{Key: mRPS, Title: "req/s", Unit: report.UnitRate, Higher: true},
	{Key: mRatio, Title: "req/s ÷ net/http's, same round", Unit: report.UnitRatio, Higher: true, NoRatios: true},
	{Key: mCPUus, Title: "client CPU µs/req", Unit: report.UnitDecimal},
	{Key: mAllocs, Title: "allocs/req", Unit: report.UnitDecimal, NoRatios: true},
	{Key: mBytes, Title: "bytes/req", Unit: report.UnitCount, NoRatios: true},
	{Key: mSyscalls, Title: "read+write calls/req", Unit: report.UnitDecimal, NoRatios: true},
	{Key: mClientCPU, Title: "client CPU", Unit: report.UnitPercent, NoRatios: true},
	{Key: mServerCPU, Title: "nginx CPU", Unit: report.UnitPercent, NoRatios: true},
	{Key: mOther, Title: "other processes' CPU", Unit: report.UnitPercent, NoRatios: true},
}

// sample is one run's numbers by metric key, and what a reader must know
// about the run.
type sample struct {
	vals  map[string]float64
	flags []string
}

// sampleOf turns a child's counts into the report's metrics, and flags a
// run that was not what it should be: errors, a client not pinned as
// asked, or other processes using the machine.
func sampleOf(cr childResult, clientCPUs string) sample {
	sec := func(ticks uint64) float64 { return float64(ticks) / procstat.TicksPerSecond }
	s := sample{vals: map[string]float64{
		mRPS:       float64(cr.Requests) / cr.Seconds,
		mClientCPU: 100 * sec(cr.CPUTicks) / cr.Seconds,
		mServerCPU: 100 * sec(cr.ServerTicks) / cr.Seconds,
	}}
	other := math.Max(0, sec(cr.SystemTicks)-sec(cr.CPUTicks)-sec(cr.ServerTicks)) / cr.Seconds
	s.vals[mOther] = 100 * other
	if cr.Requests > 0 {
		n := float64(cr.Requests)
		s.vals[mCPUus] = 1e6 * sec(cr.CPUTicks) / n
		s.vals[mAllocs] = float64(cr.Mallocs) / n
		s.vals[mBytes] = float64(cr.Bytes) / n
		s.vals[mSyscalls] = float64(cr.Reads+cr.Writes) / n
	}
	if cr.Errors > 0 {
		s.flags = append(s.flags, fmt.Sprintf("%d errors (first: %s)", cr.Errors, cr.FirstError))
	}
	if want := cpuCount(clientCPUs); cr.GOMAXPROCS != 1 || (want > 0 && cr.NumCPU != want) {
		s.flags = append(s.flags, fmt.Sprintf("client had GOMAXPROCS %d on %d CPUs, want 1 on %d", cr.GOMAXPROCS, cr.NumCPU, want))
	}
	if other > busyOther {
		s.flags = append(s.flags, fmt.Sprintf("machine busy: other processes used %.0f%% of a core", 100*other))
	}
	return s
}

// cpuCount counts the CPUs of a taskset list ("1", "0-3", "1,3"), or -1
// when it cannot tell.
func cpuCount(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || b < a {
			return -1
		}
		n += b - a + 1
	}
	return n
}

// brief is the progress line of one run.
func brief(s sample) string {
	var parts []string
	for _, m := range metrics {
		if v, ok := s.vals[m.Key]; ok {
			parts = append(parts, m.Title+" "+report.Format(m.Unit, v))
		}
	}
	return strings.Join(parts, ", ")
}

func (b *bench) newReport(now time.Time) *report.Report {
	c := b.cfg
	requests := "one *http.Request (fasthttp: one Request/Response pair) per caller, reused"
	if c.fresh {
		requests = "a new request for every call"
	}
	return &report.Report{
		Title:   "holdfast client benchmark",
		Date:    now.Format(time.RFC3339),
		Command: commandLine(c.args),
		Machine: report.Machine{
			CPU: sysinfo.CPUModel(), Cores: runtime.NumCPU(), Kernel: sysinfo.Kernel(),
			Go: runtime.Version(), Nginx: sysinfo.NginxVersion(b.nginx.Bin),
		},
		Settings: []report.KV{
			{Key: "rounds", Value: strconv.Itoa(c.rounds)},
			{Key: "clients (in order)", Value: strings.Join(c.clients, ", ")},
			{Key: "load", Value: fmt.Sprintf("%d goroutines doing GET /, %v warm-up then a %v window per run", c.callers, c.warmup, c.duration)},
			{Key: "requests", Value: requests},
			{Key: "client pinning", Value: "taskset -c " + c.clientCPU + ", GOMAXPROCS=1, a fresh process per run"},
			{Key: "server", Value: "nginx, taskset -c " + c.serverCPU + ", one process (master_process off), keepalive_requests 100000, access_log off, return 200 \"Hello, World!\""},
			{Key: "versions", Value: versions()},
		},
		Notes: []string{
			"holdfast: `&http.Client{Transport: &client.Transport{}}` (defaults: 64 idle per host).",
			fmt.Sprintf("nethttp: `&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: %d, DisableCompression: true}}`; holdfast sends no Accept-Encoding either.", c.callers),
			fmt.Sprintf("fasthttp: `&fasthttp.HostClient{Addr: addr, MaxConns: %d}`, `Do(req, resp)`.", c.callers),
			"Every response is checked (200, body Hello, World!); the http.Client callers read the body to EOF into their own buffer and close it.",
			"req/s ÷ net/http's, same round: each client's req/s divided by net/http's in the same round; rounds interleave the clients, so this paired ratio is steadier than a ratio of medians.",
			"client CPU µs/req: the client process's utime+stime (/proc/self/stat, 10 ms ticks) over the window ÷ requests. allocs/req and bytes/req: runtime.MemStats Mallocs and TotalAlloc deltas ÷ requests (the whole process, load loop included). read+write calls/req: read(2) and write(2) calls (/proc/self/io syscr+syscw; recvfrom and epoll_wait not counted) ÷ requests.",
			"client CPU near 100% means the client's core was the limit; nginx CPU well under 100% means nginx was not.",
			"other processes' CPU = machine-wide busy CPU (/proc/stat) minus the client's and nginx's; above 10% of a core a run is flagged.",
		},
		Scenarios: []report.Scenario{{
			Subject: "client", Key: "get", Metrics: metrics,
			Title: fmt.Sprintf("GET through each client, %d callers, client on one core", c.callers),
			About: "Requests per second with the client process pinned to one core and GOMAXPROCS=1, nginx on the other core.",
		}},
	}
}

// versions names the client libraries as built into this program.
func versions() string {
	parts := []string{"holdfast " + holdfastRev()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/valyala/fasthttp" {
				parts = append(parts, "fasthttp "+d.Version)
			}
		}
	}
	return strings.Join(append(parts, "net/http of "+runtime.Version()), ", ")
}

// holdfastRev is the commit of the holdfast checkout (replace => ../); the
// working tree may hold changes on top of it.
func holdfastRev() string {
	out, err := exec.Command("git", "-C", "..", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(working tree, commit unknown)"
	}
	return "working tree at " + strings.TrimSpace(string(out))
}

// commandLine is how to repeat this run. Under `go run` os.Args[0] is a
// temp binary, so the documented invocation is printed instead.
func commandLine(args []string) string {
	parts := []string{"go run ./cmd/clientbench"}
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// headline is the section the issue asks about: each client against
// net/http's Transport.
func headline(sc *report.Scenario) string {
	var base *report.ServerResult
	for i := range sc.Servers {
		if sc.Servers[i].Server == cNetHTTP {
			base = &sc.Servers[i]
		}
	}
	if base == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Against net/http's Transport\n\n")
	for i := range sc.Servers {
		r := &sc.Servers[i]
		if r == base {
			continue
		}
		ratio, ok := r.Summary[mRatio]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "- %s: %s net/http's req/s (median of the per-round ratios; %s–%s over %d rounds); allocs/req %s vs %s; client CPU/req %s vs %s µs.\n",
			r.Server, report.Format(report.UnitRatio, ratio.Median), report.Format(report.UnitRatio, ratio.Min),
			report.Format(report.UnitRatio, ratio.Max), ratio.N,
			medianOf(r, mAllocs), medianOf(base, mAllocs), medianOf(r, mCPUus), medianOf(base, mCPUus))
	}
	return b.String() + "\n"
}

func medianOf(r *report.ServerResult, key string) string {
	s, ok := r.Summary[key]
	if !ok {
		return "–"
	}
	return report.Format(report.UnitDecimal, s.Median)
}

// write saves <stamp>-clientbench.md and .json under the results dir and
// prints the Markdown.
func (b *bench) write(rep *report.Report) error {
	dir := b.resultsDir()
	base := filepath.Join(dir, b.stamp+"-clientbench")
	md := rep.Markdown() + headline(&rep.Scenarios[0])
	if err := rep.Save(base, md); err != nil {
		return err
	}
	fmt.Print(md)
	b.logf("wrote %s.md and %s.json", base, base)
	return nil
}

func (b *bench) resultsDir() string { return resultsDir(b.cfg.out) }

// resultsDir is -out, or results/ in the compare module.
func resultsDir(out string) string {
	if out != "" {
		return out
	}
	if gomod, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if m := strings.TrimSpace(string(gomod)); m != "" && m != os.DevNull {
			return filepath.Join(filepath.Dir(m), "results")
		}
	}
	return "results"
}
