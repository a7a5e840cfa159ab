package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/procstat"
)

// result is one scenario's figures.
type result struct {
	goodRPS, goodP99 float64
	goodFailed       int64
	cpuShare         float64 // of one core, over the scenario
	peakRSS          int64   // bytes
	peakOpen         int64
	closed           map[string]uint64
}

func (r result) row(name string) string {
	var reasons []string
	for _, k := range slices.Sorted(maps.Keys(r.closed)) {
		if r.closed[k] > 0 {
			reasons = append(reasons, fmt.Sprintf("%s %d", k, r.closed[k]))
		}
	}
	return fmt.Sprintf("| %s | %.0f | %d | %.1f | %.1f | %.1f | %d | %s |", name, r.goodRPS, r.goodFailed, r.goodP99,
		100*r.cpuShare, float64(r.peakRSS)/(1<<20), r.peakOpen, strings.Join(reasons, ", "))
}

// buildHoldfast builds the holdfast command in its own module (the one
// compare's go.mod replaces holdfast with), with that module's
// dependencies.
func buildHoldfast(out string) error {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "holdfast").Output()
	if err != nil {
		return fmt.Errorf("finding the holdfast module: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/holdfast")
	cmd.Dir = strings.TrimSpace(string(dir))
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// server is a running holdfast serve.
type server struct {
	cmd        *exec.Cmd
	url, admin string
}

var listenLine = regexp.MustCompile(`on (http://[0-9.:]+)`)

// startServer runs holdfast serve with its admin listener and returns once
// both listen.
func startServer(cfg config, bin string) (*server, error) {
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--engine", cfg.engine}, cfg.serveFlags...)
	cmd := exec.Command(bin, args...)
	if cfg.noFile > 0 {
		cmd = exec.Command("prlimit", append([]string{"--nofile=" + strconv.Itoa(cfg.noFile), bin}, args...)...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	sc := bufio.NewScanner(stderr)
	for (s.url == "" || s.admin == "") && sc.Scan() {
		line := sc.Text()
		if m := listenLine.FindStringSubmatch(line); m != nil {
			if strings.Contains(line, "admin on") {
				s.admin = m[1]
			} else {
				s.url = m[1]
			}
		}
	}
	if s.url == "" || s.admin == "" {
		s.stop()
		return nil, errors.New("holdfast serve did not start")
	}
	go func() { // the error log, as it comes
		for sc.Scan() {
			fmt.Fprintln(os.Stderr, "server:", sc.Text())
		}
	}()
	return s, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// attacker is the slowhttptest command line of a scenario, nil for none.
func attacker(cfg config, name, url string) ([]string, error) {
	secs := strconv.Itoa(int(cfg.duration.Seconds()))
	common := []string{"-c", strconv.Itoa(cfg.attackers), "-r", strconv.Itoa(cfg.rate), "-l", secs, "-i", "5", "-x", "24", "-p", "3", "-u", url}
	switch name {
	case "slowloris":
		return append([]string{"slowhttptest", "-H"}, common...), nil
	case "slowbody":
		// A body under the drain limit: the demo site does not read
		// bodies, so the server drains it after answering, under
		// --body-timeout and --min-body-rate (a larger one is not drained:
		// the connection closes after the response).
		return append([]string{"slowhttptest", "-B", "-s", "65536"}, common...), nil
	case "soak":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown scenario (want slowloris, slowbody or soak)")
}

// runScenario runs one scenario against a fresh server.
func runScenario(cfg config, bin, name string) (result, error) {
	attack, err := attacker(cfg, name, "")
	if err != nil {
		return result{}, err
	}
	if attack != nil {
		if _, err := exec.LookPath(attack[0]); err != nil {
			return result{}, fmt.Errorf("%s is not installed (apt-get install slowhttptest)", attack[0])
		}
	}
	s, err := startServer(cfg, bin)
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration+time.Minute)
	defer cancel()
	var res result
	samples := sample(ctx, s, &res)
	if attack != nil {
		attack, _ = attacker(cfg, name, s.url+"/")
		a := exec.CommandContext(ctx, attack[0], attack[1:]...)
		if err := a.Start(); err != nil {
			return result{}, err
		}
		defer a.Wait()
		time.Sleep(2 * time.Second) // let the attack build up
	}
	good, err := exec.CommandContext(ctx, bin, "bench", "-c", strconv.Itoa(cfg.good), "-d", cfg.duration.String(), "--json", s.url+"/").Output()
	if err != nil {
		return result{}, fmt.Errorf("holdfast bench: %w", err)
	}
	var b struct {
		RPS     float64 `json:"requests_per_second"`
		Latency struct {
			P99 float64 `json:"p99"`
		} `json:"latency_ms"`
		Failed int64 `json:"errors_total"`
	}
	if err := json.Unmarshal(good, &b); err != nil {
		return result{}, fmt.Errorf("holdfast bench's output: %w", err)
	}
	res.goodRPS, res.goodP99, res.goodFailed = b.RPS, b.Latency.P99, b.Failed
	cancel()
	<-samples
	return res, nil
}

// sample reads the server's CPU time, memory and open connections every
// second until ctx ends, into res; the channel closes when it is done.
func sample(ctx context.Context, s *server, res *result) <-chan struct{} {
	done := make(chan struct{})
	pid := s.cmd.Process.Pid
	go func() {
		defer close(done)
		var proc procstat.Proc
		start := time.Now()
		cpu0, _ := proc.CPUTicks(pid)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if kib, err := proc.RSSKiB(pid); err == nil {
				res.peakRSS = max(res.peakRSS, kib<<10)
			}
			if st, err := adminStats(s.admin); err == nil {
				res.peakOpen = max(res.peakOpen, st.Open)
				res.closed = st.Closed
			}
			if ticks, err := proc.CPUTicks(pid); err == nil {
				res.cpuShare = float64(ticks-cpu0) / procstat.TicksPerSecond / time.Since(start).Seconds()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}

type stats struct {
	Open   int64             `json:"connections_open"`
	Closed map[string]uint64 `json:"closed"`
}

func adminStats(admin string) (stats, error) {
	var st stats
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(admin + "/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}
