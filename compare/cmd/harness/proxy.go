package main

import (
	"fmt"
	"strings"

	"holdfast/compare/internal/launch"
	"holdfast/compare/internal/proxypeer"
	"holdfast/compare/internal/report"
	"holdfast/internal/testrig"
)

// The proxy scenarios: wrk drives a reverse proxy pinned to the server
// CPU, which passes every request to one upstream, nginx returning the
// 13-byte body, pinned to the client CPU with wrk. Each round first runs
// wrk against the upstream directly (the "direct" row), so that what a
// proxy adds to the latency is measured against the same upstream in the
// same round.

// directRow names the run without a proxy.
const directRow = "direct (no proxy)"

var proxyMetrics = []report.Metric{
	{Key: mRPS, Title: "req/s", Unit: report.UnitRate, Higher: true},
	{Key: mPerCPU, Title: "req per proxy CPU-s", Unit: report.UnitRate, Higher: true},
	{Key: mCPU, Title: "proxy CPU", Unit: report.UnitPercent, Higher: false},
	{Key: mP50, Title: "p50", Unit: report.UnitMicros, Higher: false},
	{Key: mP99, Title: "p99", Unit: report.UnitMicros, Higher: false},
	{Key: mAddP50, Title: "added p50", Unit: report.UnitMicros, Higher: false, NoRatios: true},
	{Key: mAddP99, Title: "added p99", Unit: report.UnitMicros, Higher: false, NoRatios: true},
	{Key: mOther, Title: "other processes' CPU", Unit: report.UnitPercent, Higher: false},
}

func (h *harness) proxyScenario(k string) scenario {
	keepAlive := h.wrkScenario("a")
	sc := scenario{key: k, proxy: true, subject: "proxy", metrics: proxyMetrics, wrk: keepAlive.wrk,
		title: "(pa) keep-alive clients through a reverse proxy: " + h.wrkLine(),
		about: "Every client connection stays open and sends one request at a time; the proxy passes each to the upstream " +
			"(nginx answering the 13-byte body, on the client CPU) over the connections it keeps to it."}
	if k == "pc" {
		closing := h.wrkScenario("c")
		sc.wrk = closing.wrk
		sc.title = "(pc) short clients through a reverse proxy: " + h.wrkLine() + " -H 'Connection: close'"
		sc.about = "One request per client connection (Connection: close), as HTTP/1.0 clients and scripts do; " +
			"the proxy's upstream connections are kept and reused all the same."
	}
	return sc
}

// runProxyRound runs a proxy scenario once: the upstream directly, then
// each proxy in an order that rotates with the round.
func (h *harness) runProxyRound(round, si int, sc scenario, rs *report.Scenario) {
	tag := fmt.Sprintf("round %d", round+1)
	up, err := h.startUpstream()
	if err != nil {
		h.fail(&rs.Servers[0], tag, sc, err)
		return
	}
	defer up.Stop()
	h.waitQuiet()
	direct, err := h.runWrk(&running{Addr: up.Addr, PID: up.PID}, sc)
	if err != nil {
		h.fail(&rs.Servers[0], tag, sc, err)
		return
	}
	delete(direct.vals, mPerCPU) // the upstream's CPU: not a proxy's figure
	delete(direct.vals, mCPU)
	record(&rs.Servers[0], tag, direct)
	h.logf("%s %-3s %-20s %s", tag, sc.key, directRow, brief(sc, direct))
	for _, i := range rotation(len(h.cfg.proxies), round+si) {
		p, res := h.cfg.proxies[i], &rs.Servers[i+1]
		smp, err := h.runThroughProxy(p, up, sc)
		if err != nil {
			h.fail(res, tag, sc, err)
			continue
		}
		smp.vals[mAddP50] = smp.vals[mP50] - direct.vals[mP50]
		smp.vals[mAddP99] = smp.vals[mP99] - direct.vals[mP99]
		record(res, tag, smp)
		h.logf("%s %-3s %-20s %s", tag, sc.key, p.Name, brief(sc, smp))
	}
}

// runThroughProxy starts a fresh proxy in front of up and measures it;
// the upstream's CPU is not counted as another process's.
func (h *harness) runThroughProxy(p proxypeer.Peer, up *testrig.Nginx, sc scenario) (sample, error) {
	h.waitQuiet()
	rp, err := p.Start(h.proxyBins(), up.Addr, h.cfg.serverCPU, proxypeer.Options{NoFile: h.cfg.nofile}, "Hello, World!")
	if err != nil {
		return sample{}, err
	}
	defer rp.Stop()
	smp, err := h.runWrk(&running{Addr: rp.Addr, PID: rp.Proc.PID}, sc, up.PID)
	if err == nil {
		err = rp.Proc.Alive()
	}
	return smp, err
}

// startUpstream starts the upstream nginx on the client CPU.
func (h *harness) startUpstream() (*testrig.Nginx, error) {
	pre := launch.Spec{CPU: h.cfg.clientCPU, NoFile: h.cfg.nofile}.Prefix()
	return testrig.RunNginx(testrig.NginxConfig{Bin: h.nginxBin, NoFile: h.cfg.nofile, Prefix: pre})
}

func (h *harness) proxyBins() proxypeer.Bins {
	b := proxypeer.FindBins()
	b.Peer = h.peerBin
	return b
}

func record(res *report.ServerResult, tag string, smp sample) {
	for k, v := range smp.vals {
		res.Add(k, v)
	}
	for _, f := range smp.flags {
		res.Failures = append(res.Failures, tag+": "+f)
	}
}

// proxyNotes describe the proxies' configurations for the report.
func (h *harness) proxyNotes() []string {
	if !h.wantsProxies() {
		return nil
	}
	b := h.proxyBins()
	var versions []string
	for _, p := range h.cfg.proxies {
		if !p.IsGo() || p.Kind == "caddy" {
			versions = append(versions, p.Version(b))
		}
	}
	return []string{
		"Proxy scenarios: the upstream is nginx as in the other scenarios, started once per round on the client CPU (taskset -c " +
			h.cfg.clientCPU + ") beside wrk; each proxy runs on the server CPU (GOMAXPROCS=1 for the Go ones). req per proxy CPU-s divides by the proxy's CPU time only; " +
			"added p50/p99 subtract the direct run's of the same round.",
		"Proxies: nginx proxy_pass to an upstream block with keepalive 64, proxy_http_version 1.1, Connection \"\"; HAProxy nbthread 1, http-reuse safe; " +
			"Caddy reverse_proxy (defaults); httputil.ReverseProxy in net/http with MaxIdleConnsPerHost 64; holdfast proxy with its defaults. Versions: " +
			strings.Join(versions, ", ") + ".",
	}
}

func (h *harness) wantsProxies() bool {
	for _, k := range h.cfg.scenarios {
		if k == "pa" || k == "pc" {
			return true
		}
	}
	return false
}
