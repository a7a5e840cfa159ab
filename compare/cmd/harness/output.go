package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/report"
)

// stampLayout names result files; it sorts by time and is safe in paths.
const stampLayout = "2006-01-02-150405"

func (h *harness) newReport(now time.Time) *report.Report {
	c := h.cfg
	rep := &report.Report{
		Date:    now.Format(time.RFC3339),
		Command: commandLine(c.args),
		Machine: h.machine(),
		Settings: []report.KV{
			{Key: "rounds", Value: strconv.Itoa(c.rounds)},
			{Key: "servers (in order)", Value: serverNames(c.servers)},
			{Key: "server pinning", Value: "taskset -c " + c.serverCPU + ", GOMAXPROCS=1 for Go servers, nofile " + strconv.Itoa(c.nofile)},
			{Key: "client pinning", Value: "taskset -c " + c.clientCPU},
			{Key: "wrk", Value: fmt.Sprintf("-t%d -c%d -d%v --latency", c.threads, c.connections, c.duration)},
		},
		Notes: []string{
			"Every run is a fresh server process on a fresh port; the server order rotates each round.",
			"req per server CPU-s = requests wrk completed ÷ server utime+stime (/proc/PID/stat) over the wrk run.",
			"server CPU = that CPU time ÷ wall time; near 100% means the server's core was the limit, well under means wrk was.",
			"other processes' CPU = machine-wide busy CPU (/proc/stat) minus the server's and wrk's, ÷ wall time; above 10% of a core a run is flagged as disturbed.",
			"CPU time is counted in 10 ms ticks (USER_HZ); an idle figure of 0 ms means under 10 ms.",
			"Idle and request limits: net/http IdleTimeout 0 (none); fasthttp IdleTimeout 0 (none); nbio KeepaliveTime 300s; " +
				"nginx keepalive_timeout 300s, keepalive_requests 100000, master_process off; holdfast Policy IdleTimeout 300s, MaxRequests 100000.",
		},
	}
	for _, s := range c.servers {
		if s.Metrics {
			rep.Notes = append(rep.Notes, "A server named …+metrics runs its admin listener, and the harness GETs its /metrics every "+
				scrapeEvery.String()+" while wrk runs: compare it with the same server without, in the same run.")
			break
		}
	}
	return rep
}

// commandLine is how to repeat this run. Under `go run` os.Args[0] is a
// temp binary, so the documented invocation is printed instead.
func commandLine(args []string) string {
	parts := []string{"go run ./cmd/harness"}
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func serverNames(ss []server) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return strings.Join(n, ", ")
}

// write saves <stamp>.md and <stamp>.json under the results dir and prints
// the Markdown.
func (h *harness) write(rep *report.Report) error {
	dir := h.resultsDir()
	base := filepath.Join(dir, h.stamp)
	md := rep.Markdown()
	if err := rep.Save(base, md); err != nil {
		return err
	}
	fmt.Print(md)
	h.logf("wrote %s.md and %s.json", base, base)
	return nil
}

func (h *harness) resultsDir() string {
	if h.cfg.out != "" {
		return h.cfg.out
	}
	return filepath.Join(h.moduleDir, "results")
}
