package main

import (
	"fmt"
	"strconv"

	"holdfast/compare/internal/report"
	"holdfast/compare/internal/wrk"
)

// scenario is one workload. Exactly one of wrk, bench and idleN is set.
type scenario struct {
	key, title, about string
	wrk               func(addr string) wrk.Options
	bench             []string // holdfast bench's flags, besides the load's size and the URL
	idleN             int
	proxy             bool            // through each of -proxies to an upstream (proxy.go)
	subject           string          // the rows' heading; "" for servers
	tls               bool            // over HTTPS (scenarios_tls.go)
	metrics           []report.Metric // the report's columns
}

// Metric keys; their columns are in wrkMetrics and idleMetrics.
const (
	mRPS     = "rps"
	mPerCPU  = "per_cpu"
	mCPU     = "cpu"
	mP50     = "p50"
	mP99     = "p99"
	mOther   = "other_cpu"
	mRSSConn = "rss_per_conn"
	mIdleCPU = "idle_cpu"
	mHeld    = "held"
	mAddP50  = "added_p50"
	mAddP99  = "added_p99"
)

var wrkMetrics = []report.Metric{
	{Key: mRPS, Title: "req/s", Unit: report.UnitRate, Higher: true},
	{Key: mPerCPU, Title: "req per server CPU-s", Unit: report.UnitRate, Higher: true},
	{Key: mCPU, Title: "server CPU", Unit: report.UnitPercent, Higher: false},
	{Key: mP50, Title: "p50", Unit: report.UnitMicros, Higher: false},
	{Key: mP99, Title: "p99", Unit: report.UnitMicros, Higher: false},
	{Key: mOther, Title: "other processes' CPU", Unit: report.UnitPercent, Higher: false},
}

func idleMetrics(idleFor string) []report.Metric {
	return []report.Metric{
		{Key: mRSSConn, Title: "RSS per conn", Unit: report.UnitKiB, Higher: false},
		{Key: mIdleCPU, Title: "server CPU over " + idleFor + " idle", Unit: report.UnitCPUms, Higher: false},
		{Key: mHeld, Title: "conns held", Unit: report.UnitCount, Higher: true},
	}
}

// scenarios expands -scenarios into runs, d into one per -idle-n.
func (h *harness) scenarios() []scenario {
	var out []scenario
	for _, k := range h.cfg.scenarios {
		switch k {
		case "d", "h":
			for _, n := range h.cfg.idleN {
				if k == "h" {
					out = append(out, h.tlsIdleScenario(n))
					continue
				}
				sc := h.idleScenario(n)
				sc.metrics = idleMetrics(h.cfg.idleFor.String())
				out = append(out, sc)
			}
			continue
		case "e", "f", "g":
			out = append(out, h.tlsScenario(k))
			continue
		}
		if k == "pa" || k == "pc" {
			out = append(out, h.proxyScenario(k))
			continue
		}
		sc := h.wrkScenario(k)
		sc.metrics = wrkMetrics
		out = append(out, sc)
	}
	return out
}

func (h *harness) wrkScenario(k string) scenario {
	c := h.cfg
	base := func(addr string) wrk.Options {
		return wrk.Options{Threads: c.threads, Connections: c.connections,
			Duration: strconv.Itoa(int(c.duration.Seconds())) + "s", URL: "http://" + addr + "/"}
	}
	line := h.wrkLine()
	switch k {
	case "a":
		return scenario{key: "a", title: "(a) keep-alive: " + line, wrk: base,
			about: "Every connection stays open and sends one request at a time: the steady state of a keep-alive server."}
	case "b":
		return scenario{key: "b", title: fmt.Sprintf("(b) pipelined %d deep: %s", c.depth, line),
			about: fmt.Sprintf("Each write carries %d requests (wrk/pipeline.lua): how well a server batches reads and writes.", c.depth),
			wrk: func(addr string) wrk.Options {
				o := base(addr)
				o.Script, o.ScriptArgs = h.luaPath, []string{strconv.Itoa(c.depth)}
				return o
			}}
	}
	return scenario{key: "c", title: "(c) Connection: close: " + line,
		about: "One request per connection: accept, parse, answer, close. The cost that keep-alive saves.",
		wrk: func(addr string) wrk.Options {
			o := base(addr)
			o.Headers = []string{"Connection: close"}
			return o
		}}
}

// wrkLine is the wrk command of the wrk scenarios, for titles.
func (h *harness) wrkLine() string {
	return fmt.Sprintf("wrk -t%d -c%d -d%v", h.cfg.threads, h.cfg.connections, h.cfg.duration)
}

func (h *harness) idleScenario(n int) scenario {
	return scenario{key: "d" + strconv.Itoa(n), idleN: n,
		title: fmt.Sprintf("(d) %d idle keep-alive connections", n),
		about: fmt.Sprintf("cmd/idleconns opens %d connections from 127.0.0.2-9, one request on each, then they sit idle %v. "+
			"RSS per conn is the server's VmRSS growth divided by the connections opened, from a baseline taken after "+
			"64 warm-up connections were served once and closed.", n, h.cfg.idleFor)}
}
