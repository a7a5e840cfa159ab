package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"holdfast/client"
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

// raceRun is what one run saw.
type raceRun struct {
	requests, failures, reused int64
	kinds                      map[string]int
	first                      string
	stats                      string
	took                       time.Duration
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
				r := raceLoop(rt, t.url, cfg.raceRequests, cfg.raceCallers, cfg.raceIdle)
				r.stats = stats()
				closeIdle()
				runs[t.name+"\x00"+tr.name] = append(runs[t.name+"\x00"+tr.name], r)
				fmt.Fprintf(os.Stderr, "clientbench: race round %d, %s via %s: %d requests, %d failed, %d on reused connections (%v) %s\n",
					round+1, t.name, tr.name, r.requests, r.failures, r.reused, r.took.Round(time.Millisecond), r.stats)
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
	var out []raceTarget
	srv := &http.Server{
		IdleTimeout: idle,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte("ok\n"))
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	rl, err := testrig.ListenRelay(ln.Addr().String(), testrig.RaceDelay)
	if err != nil {
		srv.Close()
		return nil, err
	}
	out = append(out, raceTarget{name: "net/http server", about: fmt.Sprintf("http.Server{IdleTimeout: %v}", idle),
		url: "http://" + rl.Addr() + "/", stop: func() { rl.Close(); srv.Close() }})

	n, err := testrig.RunNginx(testrig.NginxConfig{KeepaliveTimeout: strconv.FormatInt(idle.Milliseconds(), 10) + "ms"})
	if err != nil {
		return out, err
	}
	rl, err = testrig.ListenRelay(n.Addr, testrig.RaceDelay)
	if err != nil {
		n.Stop()
		return out, err
	}
	out = append(out, raceTarget{name: "nginx", about: fmt.Sprintf("%s, keepalive_timeout %dms", sysinfo.NginxVersion(n.Bin), idle.Milliseconds()),
		url: "http://" + rl.Addr() + "/", stop: func() { rl.Close(); n.Stop() }})
	return out, nil
}

// raceLoop sends n requests from callers goroutines, each caller's
// requests spaced 0.85–1.15 × idle apart (the first after a random part of
// idle, so that the callers are out of step), and counts the failures.
func raceLoop(rt http.RoundTripper, url string, n, callers int, idle time.Duration) raceRun {
	start := time.Now()
	var requests, failures, reused atomic.Int64
	var mu sync.Mutex // guards kinds and first
	kinds := map[string]int{}
	first := ""
	var wg sync.WaitGroup
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += callers {
				f := 0.85 + 0.3*rand.Float64()
				if i == g {
					f = rand.Float64()
				}
				time.Sleep(time.Duration(f * float64(idle)))
				requests.Add(1)
				wasReused, err := raceRequest(rt, url, i)
				if wasReused {
					reused.Add(1)
				}
				if err != nil {
					failures.Add(1)
					mu.Lock()
					kinds[raceMethod(i)+" "+raceKind(err)]++
					if first == "" {
						first = err.Error()
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return raceRun{requests: requests.Load(), failures: failures.Load(), reused: reused.Load(),
		kinds: kinds, first: first, took: time.Since(start)}
}

// raceRequest sends request i: a GET when i is even, else a PUT with a
// small body (replayable: NewRequest sets GetBody for a strings.Reader).
func raceRequest(rt http.RoundTripper, url string, i int) (reused bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	})
	method, body := raceMethod(i), io.Reader(nil)
	if method == "PUT" {
		body = strings.NewReader("payload-" + strconv.Itoa(i))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return false, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return reused, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return reused, fmt.Errorf("%s: reading body: %w", method, err)
	}
	if resp.StatusCode != 200 {
		return reused, fmt.Errorf("%s: status %d", method, resp.StatusCode)
	}
	return reused, nil
}

// raceMethod is request i's method: GET and PUT alternate.
func raceMethod(i int) string {
	if i%2 == 1 {
		return "PUT"
	}
	return "GET"
}

// raceKind sorts a failure into a few kinds for the report.
func raceKind(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, client.ErrReusedConnClosed):
		return "reused connection closed, not retried"
	case strings.Contains(msg, "server closed idle connection"):
		return "server closed idle connection"
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(msg, "connection reset"):
		return "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(msg, "EOF"):
		return "EOF"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		return "timeout"
	case strings.Contains(msg, "status "):
		return "bad status"
	}
	return "other"
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
				req, fail, reused = req+r.requests, fail+r.failures, reused+r.reused
				per = append(per, strconv.FormatInt(r.failures, 10))
				for k, v := range r.kinds {
					kinds[k] += v
				}
				if r.first != "" {
					details = append(details, fmt.Sprintf("%s via %s, round %d, first failure: %s", t.name, tr.name, i+1, r.first))
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
				t.name, t.about, tr.name, req, strings.Join(per, ", "), fail, rate, reused, kindList(kinds))
		}
	}
	b.WriteString("\n")
	for _, d := range details {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(d, "|", `\|`))
	}
	return b.String()
}

func kindList(kinds map[string]int) string {
	if len(kinds) == 0 {
		return "–"
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		return kinds[ks[i]] > kinds[ks[j]] || kinds[ks[i]] == kinds[ks[j]] && ks[i] < ks[j]
	})
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return strings.Join(parts, ", ")
}
