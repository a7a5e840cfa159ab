package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/bench"
)

// bpHoldfast serves "Hello, World!" with the holdfast server for the bench
// and probe command tests.
func bpHoldfast(t *testing.T, pol holdfast.Policy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &holdfast.Server{Policy: pol, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Hello, World!"))
	})}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + ln.Addr().String() + "/"
}

// bpGarbage answers every connection with bytes that are not HTTP.
func bpGarbage(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Read(make([]byte, 1024))
			c.Write([]byte("220 mail.example.com ESMTP ready\r\n"))
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "http://" + ln.Addr().String() + "/"
}

// bpRefused returns a URL where nothing listens.
func bpRefused(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + "/"
}

// bpRun runs a subcommand with buffers for its output.
func bpRun(run func([]string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func benchCmd(args []string, out, errb *bytes.Buffer) int { return runBench(args, out, errb) }

// bpOneLineError checks the contract for bad input: a non-zero exit and
// one line on stderr that says what is wrong, no stack trace.
func bpOneLineError(t *testing.T, code int, stderr string, want string) {
	t.Helper()
	if code == 0 {
		t.Errorf("exit code 0, want non-zero (stderr %q)", stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not say %q", stderr, want)
	}
	for _, trace := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(stderr, trace) {
			t.Errorf("stderr has a trace (%q): %q", trace, stderr)
		}
	}
}

func TestBenchBadInput(t *testing.T) {
	garbage := bpGarbage(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "5", "http://[::1"}, "bad URL"},
		{[]string{"-n", "5", "https://127.0.0.1:1/"}, "https is not supported yet"},
		{[]string{"-n", "5", bpRefused(t)}, "connection refused"},
		{[]string{"-n", "5", garbage}, "did not answer with HTTP/1.x"},
		{[]string{"-n", "5", "-H", "nocolon", "http://127.0.0.1:1/"}, "bad header"},
		{[]string{"--pipeline", "4", "--no-keepalive", "http://127.0.0.1:1/"}, "--pipeline needs keep-alive"},
		{[]string{"-d", "soon", "http://127.0.0.1:1/"}, "not a duration"},
		{[]string{"--nope", "http://127.0.0.1:1/"}, "flag provided but not defined"},
		{[]string{}, "no URL given"},
	} {
		code, stdout, stderr := bpRun(benchCmd, tc.args...)
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			bpOneLineError(t, code, stderr, tc.want)
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
		})
	}
}

func TestBenchHelp(t *testing.T) {
	code, stdout, _ := bpRun(benchCmd, "--help")
	if code != 0 || !strings.Contains(stdout, "--compare") || !strings.Contains(stdout, "--pipeline N") {
		t.Errorf("exit %d, usage:\n%s", code, stdout)
	}
}

func TestBenchTextReport(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{})
	code, stdout, stderr := bpRun(benchCmd, url, "-c", "2", "-n", "40")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"keep-alive, HTTP/1.1", "requests      40 in", "p99.9", "200: 40", "errors        none"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestBenchJSONAndHTML(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{})
	page := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := bpRun(benchCmd, "-c", "2", "-n", "30", "--http1.0", "--json", "--html", page, url)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if m["requests"] != 30.0 || m["mode"] != "keep-alive, HTTP/1.0" {
		t.Errorf("requests %v, mode %v", m["requests"], m["mode"])
	}
	for _, k := range []string{"requests_per_second", "latency_ms", "errors", "connections_opened"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	html, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(html, []byte("<svg")) {
		t.Errorf("HTML report: %v, %d bytes", err, len(html))
	}
}

func TestBenchCompareJSON(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{})
	code, stdout, stderr := bpRun(benchCmd, "--compare", "-c", "2", "-n", "60", "--json", url)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var m struct {
		Speedup    float64            `json:"speedup"`
		ConnPerReq map[string]float64 `json:"connections_per_request"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	if m.Speedup <= 0 || m.ConnPerReq["short"] != 1 || m.ConnPerReq["keep_alive"] >= m.ConnPerReq["short"] {
		t.Errorf("comparison %+v", m)
	}
}

func TestBenchProgressLinesWhenNotATerminal(t *testing.T) {
	var out bytes.Buffer
	pl := newProgressLine(&out)
	pl.label = "x "
	pl.show(benchProgress(2))
	pl.show(benchProgress(3))
	pl.end()
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || strings.Contains(out.String(), "\r") {
		t.Errorf("progress on a non-terminal: %q", out.String())
	}
}

func benchProgress(s int) bench.Progress {
	return bench.Progress{Elapsed: time.Duration(s) * time.Second, Requests: int64(s) * 100, Rate: 100}
}
