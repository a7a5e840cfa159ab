package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/testrig"
)

// profiles does the extra runs that -perf and -pprof ask for. They are not
// part of the reported rounds: a profiler costs CPU and would skew them.
func (h *harness) profiles() {
	if h.cfg.perf != "" {
		h.profilePerf(h.cfg.perf)
	}
	if h.cfg.pprof != "" {
		h.profilePprof(h.cfg.pprof)
	}
}

func (h *harness) findServer(name string) (server, bool) {
	for _, s := range h.cfg.servers {
		if s.Name == name {
			return s, true
		}
	}
	return server{}, false
}

// profileFile is <results>/<stamp>-<what>-<server><ext>.
func (h *harness) profileFile(what, name, ext string) (string, error) {
	dir := h.resultsDir()
	safe := strings.NewReplacer(":", "-", "/", "-").Replace(name)
	return filepath.Join(dir, h.stamp+"-"+what+"-"+safe+ext), os.MkdirAll(dir, 0o755)
}

// profilePerf records call graphs of the server during one scenario-a
// load. perf is often unusable in containers (perf_event_paranoid, no PMU):
// then the run says so and goes on.
func (h *harness) profilePerf(name string) {
	s, ok := h.findServer(name)
	perf, err := exec.LookPath("perf")
	switch {
	case !ok:
		h.note("perf: server %q is not in this run", name)
		return
	case err != nil:
		h.note("perf: not available (%v); no profile taken", err)
		return
	}
	data, err := h.profileFile("perf", name, ".data")
	if err == nil {
		err = h.withLoad(s, "", func(r *running) error { return runPerf(perf, r.PID, data, h.cfg.duration) })
	}
	if err != nil {
		os.Remove(data)
		h.note("perf: no profile of %s: %v", name, err)
		return
	}
	rep, _ := exec.Command(perf, "report", "--stdio", "--no-children", "--percent-limit", "1", "-i", data).Output()
	os.WriteFile(data+".txt", rep, 0o644)
	h.note("perf profile of %s during scenario a: %s (text: %s.txt)", name, data, data)
}

func runPerf(perf string, pid int, data string, d time.Duration) error {
	cmd := exec.Command(perf, "record", "-g", "-p", strconv.Itoa(pid), "-o", data,
		"--", "sleep", strconv.Itoa(int(d.Seconds())))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("perf record: %v: %s", err, lastLines(out, 2))
	}
	return nil
}

// profilePprof fetches a CPU profile from a Go peer's side port during one
// scenario-a load.
func (h *harness) profilePprof(name string) {
	s, ok := h.findServer(name)
	if !ok || !s.isGo() {
		h.note("pprof: %q is not a Go server in this run", name)
		return
	}
	addr, err := testrig.FreeAddr()
	var file string
	if err == nil {
		file, err = h.profileFile("pprof", name, ".pprof")
	}
	if err == nil {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(h.cfg.duration.Seconds()))
		err = h.withLoad(s, addr, func(*running) error { return fetch(url, file) })
	}
	if err != nil {
		h.note("pprof: no profile of %s: %v", name, err)
		return
	}
	h.note("pprof CPU profile of %s during scenario a: %s (go tool pprof -top %s)", name, file, file)
}

func fetch(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s: %s", url, resp.Status, lastLines(b.Bytes(), 1))
	}
	return os.WriteFile(file, b.Bytes(), 0o644)
}

// withLoad starts s, runs scenario a's wrk against it and, alongside, f
// (the profiler), and waits for both.
func (h *harness) withLoad(s server, pprofAddr string, f func(*running) error) error {
	r, err := h.start(s, pprofAddr, false)
	if err != nil {
		return err
	}
	defer r.stop(nil)
	done := make(chan error, 1)
	go func() { done <- f(r) }()
	time.Sleep(100 * time.Millisecond) // let the profiler attach before the load
	a := h.wrkScenario("a")
	if _, err := h.runWrk(r, a); err != nil {
		<-done
		return err
	}
	return <-done
}
