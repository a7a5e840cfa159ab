package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// classicKeyExchange keeps Go clients to X25519, as wrk and OpenSSL 3.0
// (nginx 1.22 here) do: offered X25519MLKEM768, Go servers would choose it,
// and its larger key exchange would be counted against them alone.
const classicKeyExchange = "GODEBUG=tlsmlkem=0"

// benchReport is the part of holdfast bench's JSON the harness reads.
type benchReport struct {
	Requests  int64   `json:"requests"`
	RPS       float64 `json:"requests_per_second"`
	Errors    int64   `json:"errors_total"`
	LastError string  `json:"last_error"`
	Latency   struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_ms"`
	Resumed int64 `json:"tls_sessions_resumed"`
	Opened  int64 `json:"connections_opened"`
}

// runBench runs holdfast bench on the client CPU for scenarios whose
// client must resume TLS sessions or not at will (wrk never does), and
// reads the server's CPU time around it as runWrk does.
func (h *harness) runBench(r *running, sc scenario) (sample, error) {
	args := append([]string{"-c", h.cfg.clientCPU, h.benchBin, "bench", "--json", "--insecure",
		"-c", strconv.Itoa(h.cfg.connections), "-d", h.cfg.duration.String()}, sc.bench...)
	args = append(args, r.url())
	before, err := h.snap(r.PID)
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	cmd := exec.Command("taskset", args...)
	cmd.Env = append(os.Environ(), classicKeyExchange)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	elapsed := time.Since(start).Seconds()
	after, err := h.snap(r.PID)
	if err != nil {
		return sample{}, fmt.Errorf("server gone after holdfast bench: %w", err)
	}
	var rep benchReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return sample{}, fmt.Errorf("holdfast bench (%v): %v: %s", runErr, err, lastLines(stderr.Bytes(), 3))
	}
	serverSec := ticksToSec(after.server - before.server)
	clientSec := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	otherSec := max(ticksToSec(after.system-before.system)-serverSec-clientSec, 0)
	return benchSample(rep, serverSec, otherSec, elapsed), nil
}

func benchSample(rep benchReport, cpuSec, otherSec, elapsed float64) sample {
	s := sample{vals: map[string]float64{
		mRPS: rep.RPS, mP50: 1000 * rep.Latency.P50, mP99: 1000 * rep.Latency.P99,
		mCPU: 100 * cpuSec / elapsed, mOther: 100 * otherSec / elapsed,
	}}
	if cpuSec > 0 {
		s.vals[mPerCPU] = float64(rep.Requests) / cpuSec
	}
	if otherSec/elapsed > busyOther {
		s.flags = append(s.flags, fmt.Sprintf("machine busy: other processes used %.0f%% of a core", 100*otherSec/elapsed))
	}
	if rep.Errors > 0 {
		s.flags = append(s.flags, fmt.Sprintf("%d failed requests (last: %s)", rep.Errors, rep.LastError))
	}
	return s
}
