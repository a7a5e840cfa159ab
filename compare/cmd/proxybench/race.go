package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"holdfast/client"
	"holdfast/compare/internal/proxypeer"
	"holdfast/internal/testrig"
)

// The reuse-race report: testrig.BurstRace through each proxy, to an
// upstream that closes idle connections behind a delaying relay.

const raceBody = "Hello, World!"

// raceUpstream is one upstream behind its relay.
type raceUpstream struct {
	name, about string
	addr        string // the relay's
	stop        func()
}

// raceResult is one proxy's runs against one upstream.
type raceResult struct {
	proxy, upstream string
	runs            []testrig.RaceOutcome
}

func runRaceReport(cfg config) error {
	bins, cleanup, err := peerBins()
	if err != nil {
		return err
	}
	defer cleanup()
	ups, err := startRaceUpstreams(cfg.raceIdle)
	defer func() {
		for _, u := range ups {
			u.stop()
		}
	}()
	if err != nil {
		return err
	}
	var results []*raceResult
	for _, u := range ups {
		for _, p := range cfg.proxies {
			results = append(results, &raceResult{proxy: p.Name, upstream: u.name})
		}
	}
	for round := 0; round < cfg.rounds; round++ {
		for ui, u := range ups {
			for _, i := range rotation(len(cfg.proxies), round+ui) {
				p, res := cfg.proxies[i], results[ui*len(cfg.proxies)+i]
				out, err := raceThrough(cfg, bins, p, u)
				if err != nil {
					return fmt.Errorf("%s to %s: %w", p.Name, u.name, err)
				}
				res.runs = append(res.runs, out)
				logf("race round %d, %s to %s: %d requests, %d failed (%v) in %v",
					round+1, p.Name, u.name, out.Requests, out.Failures, out.Kinds, out.Took.Round(time.Millisecond))
			}
		}
	}
	return writeReport(cfg, "proxy-reuse-race", raceMarkdown(cfg, ups, results, bins))
}

// peerBins finds the installed proxies and builds cmd/peer.
func peerBins() (proxypeer.Bins, func(), error) {
	dir, err := os.MkdirTemp("", "proxybench-")
	if err != nil {
		return proxypeer.Bins{}, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	b := proxypeer.FindBins()
	if b.Peer, err = buildGo(dir, "peer", "./cmd/peer"); err != nil {
		cleanup()
		return b, nil, err
	}
	return b, cleanup, nil
}

// raceThrough starts proxy p in front of u, runs the race through it, and
// stops it.
func raceThrough(cfg config, bins proxypeer.Bins, p proxypeer.Peer, u raceUpstream) (testrig.RaceOutcome, error) {
	rp, err := p.Start(bins, u.addr, "", proxypeer.Options{NoFile: 4096}, raceBody)
	if err != nil {
		return testrig.RaceOutcome{}, err
	}
	defer rp.Stop()
	time.Sleep(2 * cfg.raceIdle) // the readiness check's upstream connection closes: every run starts alike
	tr := &client.Transport{}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	race := testrig.BurstRace{URL: "http://" + rp.Addr + "/race", Requests: cfg.raceRequests, Burst: cfg.raceBurst,
		Idle: cfg.raceIdle, Transport: tr}
	out := race.Run(ctx, raceBody)
	return out, rp.Proc.Alive()
}

// startRaceUpstreams starts net/http's server and nginx, each closing idle
// connections after idle, each behind its own relay.
func startRaceUpstreams(idle time.Duration) ([]raceUpstream, error) {
	var out []raceUpstream
	srv := &http.Server{
		IdleTimeout: idle,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, raceBody)
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
	out = append(out, raceUpstream{name: "net/http", about: fmt.Sprintf("http.Server{IdleTimeout: %v}", idle),
		addr: rl.Addr(), stop: func() { rl.Close(); srv.Close() }})
	n, err := testrig.RunNginx(testrig.NginxConfig{Body: raceBody, KeepaliveTimeout: strconv.FormatInt(idle.Milliseconds(), 10) + "ms"})
	if err != nil {
		return out, err
	}
	if rl, err = testrig.ListenRelay(n.Addr, testrig.RaceDelay); err != nil {
		n.Stop()
		return out, err
	}
	out = append(out, raceUpstream{name: "nginx", about: fmt.Sprintf("keepalive_timeout %dms", idle.Milliseconds()),
		addr: rl.Addr(), stop: func() { rl.Close(); n.Stop() }})
	return out, nil
}

func raceMarkdown(cfg config, ups []raceUpstream, results []*raceResult, bins proxypeer.Bins) string {
	var b strings.Builder
	b.WriteString(header(cfg, "holdfast reverse-proxy reuse-race report"))
	fmt.Fprintf(&b, "Each run: %d requests (GET and PUT alternating) in bursts of %d sent at once, "+
		"each burst 0.75–1.05 × %v after the previous one ended, from holdfast's client.Transport to the proxy; "+
		"the proxy passes them to an upstream that closes connections idle for %v, through a relay adding 10–25 ms each way, "+
		"so the proxy's upstream connections sit idle about as long as the upstream keeps them. "+
		"A failure is a transport error, a status other than 200 or a wrong body. %d round(s); a fresh proxy per run.\n\n",
		cfg.raceRequests, cfg.raceBurst, cfg.raceIdle, cfg.raceIdle, cfg.rounds)
	for _, u := range ups {
		fmt.Fprintf(&b, "- upstream %s: %s\n", u.name, u.about)
	}
	for _, p := range cfg.proxies {
		fmt.Fprintf(&b, "- %s: %s\n", p.Name, p.Version(bins))
	}
	b.WriteString("\n| proxy | upstream | requests | failed | failure rate | failures by kind |\n| --- | --- | ---: | ---: | ---: | --- |\n")
	var firsts []string
	for _, r := range results {
		var req, fail int
		kinds := map[string]int{}
		for i, run := range r.runs {
			req, fail = req+run.Requests, fail+run.Failures
			for k, v := range run.Kinds {
				kinds[k] += v
			}
			if run.First != "" {
				firsts = append(firsts, fmt.Sprintf("%s to %s, round %d: %s", r.proxy, r.upstream, i+1, run.First))
			}
		}
		rate := "–"
		if req > 0 {
			rate = fmt.Sprintf("%.2f%%", 100*float64(fail)/float64(req))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s | %s |\n", r.proxy, r.upstream, req, fail, rate, kindList(kinds))
	}
	b.WriteString("\n")
	for _, f := range firsts {
		fmt.Fprintf(&b, "- first failure, %s\n", strings.ReplaceAll(f, "|", `\|`))
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
	sort.Slice(ks, func(i, j int) bool { return kinds[ks[i]] > kinds[ks[j]] || kinds[ks[i]] == kinds[ks[j]] && ks[i] < ks[j] })
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return strings.Join(parts, ", ")
}

// rotation is 0..n-1 started at k mod n.
func rotation(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i + k) % n
	}
	return out
}
