package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"holdfast/client"
	"holdfast/compare/internal/report"
	"holdfast/compare/internal/sysinfo"
	"holdfast/internal/testrig"
)

// The reuse-race report: the loop of holdfast/client's TestTransportReuseRace,
// run through net/http's Transport and holdfast's. Each server closes
// connections idle for -race-idle (net/http's IdleTimeout, nginx's
// keepalive_timeout) and sits behind a relay that delays every segment by
// 10–25 ms each way; callers space their requests 0.85–1.15 × that idle
// time apart, so many requests leave just as the server closes the
// connection they were sent on. GET and PUT alternate. A failure is a
// RoundTrip error, a status other than 200, or a body that breaks off.

// raceTarget is one server behind its relay.
type raceTarget struct {
	name, about, url string
	stop             func()
}

// raceTransport makes a fresh transport for one run; stats describes its
// pool afterwards ("" when it has nothing to say).
type raceTransport struct {
	name string
	make func() (rt http.RoundTripper, stats func() string, closeIdle func())
}

var raceTransports = []raceTransport{
	{"net/http Transport", func() (http.RoundTripper, func() string, func()) {
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		return tr, func() string { return "" }, tr.CloseIdleConnections
	}},
	{"holdfast Transport", func() (http.RoundTripper, func() string, func()) {
		tr := &client.Transport{}
		return tr, func() string {
			s := tr.Stats()
			return fmt.Sprintf("dials %d, reuses %d, stale discarded before reuse %d, reuse failures %d, retried %d",
				s.Dials, s.Reuses, s.Closed[client.CloseStale], s.ReuseFailures, s.Retries)
		}, tr.CloseIdleConnections
	}},
}

// raceRun is what one run saw, and what the transport said of its pool.
type raceRun struct {
	testrig.RaceResult
	stats string
}

func runRaceReport(cfg config) error {
	targets, err := startRaceTargets(cfg.raceIdle)
	defer func() {
		for _, t := range targets {
			t.stop()
		}
	}()
	if err != nil {
		return err
	}
	runs := map[string][]raceRun{} // key: target name + "\x00" + transport name
	for round := 0; round < cfg.raceRounds; round++ {
		for _, t := range targets {
			for _, i := range rotation(len(raceTransports), round) {
				tr := raceTransports[i]
				rt, stats, closeIdle := tr.make()
				r := raceRun{RaceResult: testrig.RunRace(context.Background(), rt, testrig.Race{
					URL: t.url, Requests: cfg.raceRequests, Callers: cfg.raceCallers, Idle: cfg.raceIdle, Kind: raceKind,
				})}
				r.stats = stats()
				closeIdle()
				runs[t.name+"\x00"+tr.name] = append(runs[t.name+"\x00"+tr.name], r)
				fmt.Fprintf(os.Stderr, "clientbench: race round %d, %s via %s: %d requests, %d failed, %d on reused connections (%v) %s\n",
					round+1, t.name, tr.name, r.Requests, r.Failures, r.Reused, r.Took.Round(time.Millisecond), r.stats)
			}
		}
	}
	md := raceMarkdown(cfg, targets, runs, time.Now().UTC())
	dir := resultsDir(cfg.out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := filepath.Join(dir, time.Now().UTC().Format(stampLayout)+"-reuse-race.md")
	if err := os.WriteFile(file, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	fmt.Fprintf(os.Stderr, "clientbench: wrote %s\n", file)
	return nil
}

// startRaceTargets starts net/http's server and nginx, each closing idle
// connections after idle, each behind its own relay.
func startRaceTargets(idle time.Duration) ([]raceTarget, error) {
	servers, err := testrig.StartRaceServers(idle)
	var out []raceTarget
	for _, s := range servers {
		about := s.About
		if s.Bin != "" {
			about = sysinfo.NginxVersion(s.Bin) + ", " + about
		}
		out = append(out, raceTarget{name: s.Name, about: about, url: "http://" + s.Addr + "/", stop: s.Stop})
	}
	return out, err
}

// raceKind sorts a failure for the report, naming the holdfast client's
// refusal to retry.
func raceKind(err error) string {
	if errors.Is(err, client.ErrReusedConnClosed) {
		return "reused connection closed, not retried"
	}
	return testrig.RaceKind(err)
}

func raceMarkdown(cfg config, targets []raceTarget, runs map[string][]raceRun, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# holdfast reuse-race report, %s\n\n", now.Format(time.RFC3339))
	fmt.Fprintf(&b, "Command: `%s`\n\n", commandLine(cfg.args))
	fmt.Fprintf(&b, "Machine: %s (%d cores), kernel %s, %s.\n\n", sysinfo.CPUModel(), runtime.NumCPU(), sysinfo.Kernel(), runtime.Version())
	fmt.Fprintf(&b, "Each run: %d requests (GET and PUT alternating) from %d callers, each caller's requests spaced 0.85–1.15 × %v (the server's idle timeout) apart, "+
		"through a relay adding 10–25 ms each way; %d rounds, a fresh transport per run. "+
		"A failure is an error from RoundTrip, a status other than 200, or a body that breaks off; the last column gives them by method and kind. "+
		"net/http: `&http.Transport{MaxIdleConnsPerHost: 64}`; holdfast: `&client.Transport{}`.\n\n",
		cfg.raceRequests, cfg.raceCallers, cfg.raceIdle, cfg.raceRounds)
	b.WriteString("| server | transport | requests | failed, per round | failed, total | failure rate | on reused conns | failures by kind |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	var details []string
	for _, t := range targets {
		for _, tr := range raceTransports {
			rs := runs[t.name+"\x00"+tr.name]
			var req, fail, reused int64
			var per []string
			kinds := map[string]int{}
			for i, r := range rs {
				req, fail, reused = req+r.Requests, fail+r.Failures, reused+r.Reused
				per = append(per, strconv.FormatInt(r.Failures, 10))
				for k, v := range r.Kinds {
					kinds[k] += v
				}
				if r.First != nil {
					details = append(details, fmt.Sprintf("%s via %s, round %d, first failure: %v", t.name, tr.name, i+1, r.First))
				}
				if r.stats != "" {
					details = append(details, fmt.Sprintf("%s via %s, round %d: %s", t.name, tr.name, i+1, r.stats))
				}
			}
			rate := "–"
			if req > 0 {
				rate = fmt.Sprintf("%.2f%%", 100*float64(fail)/float64(req))
			}
			fmt.Fprintf(&b, "| %s (%s) | %s | %d | %s | %d | %s | %d | %s |\n",
				t.name, t.about, tr.name, req, strings.Join(per, ", "), fail, rate, reused, report.Counts(kinds))
		}
	}
	b.WriteString("\n")
	for _, d := range details {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(d, "|", `\|`))
	}
	return b.String()
}
