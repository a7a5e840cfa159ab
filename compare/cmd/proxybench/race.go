package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"holdfast/client"
	"holdfast/compare/internal/proxypeer"
	"holdfast/compare/internal/report"
	"holdfast/internal/testrig"
)

// The reuse-race report: testrig.BurstRace through each proxy, to an
// upstream that closes idle connections behind a delaying relay.

// raceBody is what testrig.RaceHandler and the race's nginx answer.
const raceBody = "ok\n"

// raceResult is one proxy's runs against one upstream.
type raceResult struct {
	proxy, upstream string
	runs            []testrig.RaceResult
}

func runRaceReport(ctx context.Context, cfg config) error {
	bins, cleanup, err := peerBins()
	if err != nil {
		return err
	}
	defer cleanup()
	ups, err := testrig.StartRaceServers(cfg.raceIdle)
	defer func() {
		for _, u := range ups {
			u.Stop()
		}
	}()
	if err != nil {
		return err
	}
	var results []*raceResult
	for _, u := range ups {
		for _, p := range cfg.proxies {
			results = append(results, &raceResult{proxy: p.Name, upstream: u.Name})
		}
	}
	for round := 0; round < cfg.rounds; round++ {
		for ui, u := range ups {
			for _, i := range rotation(len(cfg.proxies), round+ui) {
				p, res := cfg.proxies[i], results[ui*len(cfg.proxies)+i]
				out, err := raceThrough(ctx, cfg, bins, p, u)
				if err != nil {
					return fmt.Errorf("%s to %s: %w", p.Name, u.Name, err)
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res.runs = append(res.runs, out)
				logf("race round %d, %s to %s: %d requests, %d failed (%v) in %v",
					round+1, p.Name, u.Name, out.Requests, out.Failures, out.Kinds, out.Took.Round(time.Millisecond))
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
func raceThrough(ctx context.Context, cfg config, bins proxypeer.Bins, p proxypeer.Peer, u testrig.RaceServer) (testrig.RaceResult, error) {
	rp, err := p.Start(bins, u.Addr, "", proxypeer.Options{NoFile: 4096}, raceBody)
	if err != nil {
		return testrig.RaceResult{}, err
	}
	defer rp.Stop()
	time.Sleep(2 * cfg.raceIdle) // the readiness check's upstream connection closes: every run starts alike
	tr := &client.Transport{}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	out := testrig.RunRace(ctx, tr, testrig.Race{URL: "http://" + rp.Addr + "/race", Requests: cfg.raceRequests,
		Burst: cfg.raceBurst, Idle: cfg.raceIdle, Kind: raceKind})
	return out, rp.Proc.Alive()
}

// raceKind names a failure by the status the proxy answered, else as
// testrig does.
func raceKind(err error) string {
	if _, rest, ok := strings.Cut(err.Error(), ": status "); ok {
		status, _, _ := strings.Cut(rest, ",")
		return status
	}
	return testrig.RaceKind(err)
}

func raceMarkdown(cfg config, ups []testrig.RaceServer, results []*raceResult, bins proxypeer.Bins) string {
	var b strings.Builder
	b.WriteString(header(cfg, "holdfast reverse-proxy reuse-race report"))
	fmt.Fprintf(&b, "Each run: %d requests (GET and PUT alternating) in bursts of %d sent at once, "+
		"each burst 0.75–1.05 × %v after the previous one ended (testrig.RunRace with Burst), from holdfast's client.Transport to the proxy; "+
		"the proxy passes them to an upstream that closes connections idle for %v, through a relay adding 10–25 ms each way, "+
		"so the proxy's upstream connections sit idle about as long as the upstream keeps them. "+
		"A failure is a transport error, a status other than 200 or a wrong body. %d round(s); a fresh proxy per run.\n\n",
		cfg.raceRequests, cfg.raceBurst, cfg.raceIdle, cfg.raceIdle, cfg.rounds)
	for _, u := range ups {
		fmt.Fprintf(&b, "- upstream %s: %s\n", u.Name, u.About)
	}
	for _, p := range cfg.proxies {
		fmt.Fprintf(&b, "- %s: %s\n", p.Name, p.Version(bins))
	}
	b.WriteString("\n| proxy | upstream | requests | failed | failure rate | failures by kind |\n| --- | --- | ---: | ---: | ---: | --- |\n")
	var firsts []string
	for _, r := range results {
		var req, fail int64
		kinds := map[string]int{}
		for i, run := range r.runs {
			req, fail = req+run.Requests, fail+run.Failures
			for k, v := range run.Kinds {
				kinds[k] += v
			}
			if run.First != nil {
				firsts = append(firsts, fmt.Sprintf("%s to %s, round %d: %v", r.proxy, r.upstream, i+1, run.First))
			}
		}
		rate := "–"
		if req > 0 {
			rate = fmt.Sprintf("%.2f%%", 100*float64(fail)/float64(req))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s | %s |\n", r.proxy, r.upstream, req, fail, rate, report.Counts(kinds))
	}
	b.WriteString("\n")
	for _, f := range firsts {
		fmt.Fprintf(&b, "- first failure, %s\n", strings.ReplaceAll(f, "|", `\|`))
	}
	return b.String()
}

// rotation is 0..n-1 started at k mod n.
func rotation(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i + k) % n
	}
	return out
}
