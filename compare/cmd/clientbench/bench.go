package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"holdfast/compare/internal/launch"
	"holdfast/compare/internal/procstat"
	"holdfast/compare/internal/report"
	"holdfast/internal/testrig"
)

// bench is one throughput run's state, used from one goroutine.
type bench struct {
	cfg   config
	self  string // this program, re-executed as the child
	nginx *testrig.Nginx
	proc  procstat.Proc
	stamp string
	notes []string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "clientbench: "+format+"\n", args...)
}

func runBench(cfg config) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, t := range []string{"taskset"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not found (util-linux)", t)
		}
	}
	b := &bench{cfg: cfg, self: self}
	const noFile = 4096
	b.nginx, err = testrig.RunNginx(testrig.NginxConfig{NoFile: noFile,
		Prefix: launch.Spec{CPU: cfg.serverCPU, NoFile: noFile}.Prefix()})
	if err != nil {
		return err
	}
	defer b.nginx.Stop()
	if err := checkHello("http://" + b.nginx.Addr + "/"); err != nil {
		return fmt.Errorf("nginx: %w", err)
	}
	now := time.Now().UTC()
	b.stamp = now.Format(stampLayout)
	rep := b.newReport(now)
	b.runRounds(&rep.Scenarios[0])
	if cfg.pprof != "" {
		b.profile(cfg.pprof)
	}
	rep.Notes = append(rep.Notes, b.notes...)
	rep.Summarize()
	return b.write(rep)
}

// checkHello makes sure the server answers as every client expects.
func checkHello(url string) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return checkResponse(resp.StatusCode, body, err)
}

// runRounds runs every client once per round, the order rotated by the
// round so that no client always runs first or after the same neighbour.
func (b *bench) runRounds(sc *report.Scenario) {
	for _, c := range b.cfg.clients {
		sc.Servers = append(sc.Servers, report.ServerResult{Server: c})
	}
	for round := 0; round < b.cfg.rounds; round++ {
		rps := map[string]float64{}
		for _, i := range rotation(len(b.cfg.clients), round) {
			name := b.cfg.clients[i]
			res := &sc.Servers[i]
			tag := fmt.Sprintf("round %d", round+1)
			b.proc.WaitQuiet(busyOther, b.cfg.quietWait, func(busy float64) {
				b.logf("machine busy (%.0f%% of a core); waiting up to %v", 100*busy, b.cfg.quietWait)
			})
			cr, err := b.runChild(name, "")
			if err == nil {
				err = b.nginx.Alive()
			}
			if err != nil {
				res.Failures = append(res.Failures, tag+": "+err.Error())
				b.logf("%s %-9s FAILED: %v", tag, name, err)
				continue
			}
			smp := sampleOf(cr, b.cfg.clientCPU)
			for k, v := range smp.vals {
				res.Add(k, v)
			}
			for _, f := range smp.flags {
				res.Failures = append(res.Failures, tag+": "+f)
			}
			rps[name] = smp.vals[mRPS]
			b.logf("%s %-9s %s  %s", tag, name, brief(smp), strings.Join(smp.flags, "; "))
		}
		addRoundRatios(sc, rps)
	}
}

// addRoundRatios records each client's req/s divided by net/http's in
// the same round: interleaved rounds share the machine's state, so the
// paired ratio is steadier than the ratio of medians.
func addRoundRatios(sc *report.Scenario, rps map[string]float64) {
	base, ok := rps[cNetHTTP]
	if !ok || base <= 0 {
		return
	}
	for i := range sc.Servers {
		if v, ok := rps[sc.Servers[i].Server]; ok {
			sc.Servers[i].Add(mRatio, v/base)
		}
	}
}

// rotation is 0..n-1 started at k mod n.
func rotation(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i + k) % n
	}
	return out
}

// runChild runs one measured client process pinned to the client CPU with
// GOMAXPROCS=1 and reads its result.
func (b *bench) runChild(name, cpuprofile string) (childResult, error) {
	argv := append([]string{"taskset", "-c", b.cfg.clientCPU, b.self},
		b.cfg.childArgv(name, "http://"+b.nginx.Addr+"/", b.nginx.PID, cpuprofile)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return childResult{}, fmt.Errorf("%s child: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return parseChild(out)
}

func parseChild(out []byte) (childResult, error) {
	var cr childResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &cr); err != nil {
		return cr, fmt.Errorf("child output %q: %w", out, err)
	}
	if cr.Seconds <= 0 {
		return cr, fmt.Errorf("child measured an empty window: %q", out)
	}
	return cr, nil
}

// profile runs one extra, unreported child with a CPU profile of its
// window, and writes the profile and its top functions next to the report.
func (b *bench) profile(name string) {
	dir := b.resultsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.note("pprof: %v", err)
		return
	}
	file := filepath.Join(dir, b.stamp+"-clientbench-"+name+".pprof")
	if _, err := b.runChild(name, file); err != nil {
		b.note("pprof: no profile of %s: %v", name, err)
		return
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount", "40", file).CombinedOutput()
	if err == nil {
		err = os.WriteFile(file+".txt", top, 0o644)
	}
	if err != nil {
		b.note("pprof: profile of %s in %s, but no text summary: %v", name, file, err)
		return
	}
	b.note("pprof CPU profile of %s's window, from an extra run: %s (top functions: %s.txt)", name, file, file)
}

func (b *bench) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	b.logf("%s", n)
	b.notes = append(b.notes, n)
}
