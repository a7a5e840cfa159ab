package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"holdfast/compare/internal/report"
)

func run(cfg config) error {
	h := &harness{cfg: cfg}
	if err := h.setup(); err != nil {
		if h.binDir != "" {
			os.RemoveAll(h.binDir)
		}
		return err
	}
	defer os.RemoveAll(h.binDir)
	if len(h.cfg.servers) == 0 {
		return fmt.Errorf("no server left to run")
	}
	now := time.Now().UTC()
	h.stamp = now.Format(stampLayout)
	rep := h.newReport(now)
	h.runRounds(rep)
	h.profiles()
	rep.Notes = append(rep.Notes, h.proxyNotes()...)
	rep.Notes = append(rep.Notes, h.notes...) // profiles may add notes
	rep.Summarize()
	return h.write(rep)
}

// runRounds runs every scenario against every server once per round. The
// server order rotates with the round and the scenario so that no server
// always runs first (cold caches, CPU frequency) or right after the same
// neighbour.
func (h *harness) runRounds(rep *report.Report) {
	scs := h.scenarios()
	for _, sc := range scs {
		rs := report.Scenario{Subject: sc.subject, Key: sc.key, Title: sc.title, About: sc.about, Metrics: sc.metrics}
		for _, name := range h.rowNames(sc) {
			rs.Servers = append(rs.Servers, report.ServerResult{Server: name})
		}
		rep.Scenarios = append(rep.Scenarios, rs)
	}
	for round := 0; round < h.cfg.rounds; round++ {
		for si, sc := range scs {
			if sc.proxy {
				h.runProxyRound(round, si, sc, &rep.Scenarios[si])
				continue
			}
			servers := h.serversFor(sc)
			for _, i := range rotation(len(servers), round+si) {
				res := &rep.Scenarios[si].Servers[i]
				h.runOnce(round, sc, servers[i], res)
			}
		}
	}
}

// rowNames are a scenario's rows: the servers, or for a proxy scenario
// the upstream alone and then the proxies.
func (h *harness) rowNames(sc scenario) []string {
	var names []string
	if sc.proxy {
		names = append(names, directRow)
		for _, p := range h.cfg.proxies {
			names = append(names, p.Name)
		}
		return names
	}
	for _, s := range h.serversFor(sc) {
		names = append(names, s.Name)
	}
	return names
}

// rotation is 0..n-1 started at k mod n.
func rotation(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i + k) % n
	}
	return out
}

// runOnce measures one server in one scenario on a freshly started process,
// so no run inherits another's heap, connections or warm caches.
func (h *harness) runOnce(round int, sc scenario, s server, res *report.ServerResult) {
	tag := fmt.Sprintf("round %d", round+1)
	h.waitQuiet()
	r, err := h.start(s, "", sc.tls)
	if err != nil {
		h.fail(res, tag, sc, err)
		return
	}
	var smp sample
	switch {
	case sc.idleN > 0:
		smp, err = h.runIdle(r, sc.idleN)
	case sc.bench != nil:
		smp, err = h.runBench(r, sc)
	default:
		smp, err = h.runWrk(r, sc)
	}
	if err == nil {
		err = r.alive() // a crash during the run voids it
	}
	r.stop(nil)
	if err != nil {
		h.fail(res, tag, sc, err)
		return
	}
	for k, v := range smp.vals {
		res.Add(k, v)
	}
	for _, f := range smp.flags {
		res.Failures = append(res.Failures, tag+": "+f)
	}
	h.logf("%s %-3s %-14s %s %s", tag, sc.key, s.Name, brief(sc, smp), strings.Join(smp.flags, "; "))
}

func (h *harness) fail(res *report.ServerResult, tag string, sc scenario, err error) {
	res.Failures = append(res.Failures, tag+": "+err.Error())
	h.logf("%s %-3s %-14s FAILED: %v", tag, sc.key, res.Server, err)
}

// brief is the progress line for one run.
func brief(sc scenario, s sample) string {
	var parts []string
	for _, m := range sc.metrics {
		if v, ok := s.vals[m.Key]; ok {
			parts = append(parts, m.Title+" "+report.Format(m.Unit, v))
		}
	}
	return strings.Join(parts, ", ")
}
