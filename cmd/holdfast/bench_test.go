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
	return bpRawServer(t, func(int) []byte { return []byte("220 mail.example.com ESMTP ready\r\n") })
}

// bpRawServer reads what each connection sends first, writes what answer
// returns for the connection's number (counting from 0), if anything, and
// closes it.
func bpRawServer(t *testing.T, answer func(connNo int) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Read(make([]byte, 1024))
			c.Write(answer(n))
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
	if code != 1 && code != 2 {
		t.Errorf("exit code %d, want 1 or 2 (stderr %q)", code, stderr)
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
		{[]string{"-n", "5", "https://127.0.0.1:1/"}, "connection refused"},
		{[]string{"-n", "5", "https://" + strings.TrimPrefix(garbage, "http://")}, "TLS handshake failed"},
		{[]string{"-n", "5", bpRefused(t)}, "connection refused"},
		{[]string{"-n", "5", garbage}, "did not answer with HTTP/1.x"},
		{[]string{"-n", "5", "-H", "nocolon", "http://127.0.0.1:1/"}, "bad header"},
		{[]string{"--pipeline", "4", "--no-keepalive", "http://127.0.0.1:1/"}, "--pipeline needs keep-alive"},
		{[]string{"-d", "soon", "http://127.0.0.1:1/"}, "not a duration"},
		{[]string{"--nope", "http://127.0.0.1:1/"}, "unknown flag --nope"},
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

// A server that closes at its request cap, with pipelined requests behind
// the closing response, has them sent again: every request is answered
// once and none is an error.
func TestBenchPipelineAcrossRequestCap(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{MaxRequests: 10})
	code, stdout, stderr := bpRun(benchCmd, "--pipeline", "2", "-n", "101", "-c", "1", "--fail-on-error", url)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"requests      101 in", "200: 101", "errors        none", "11 opened"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

// With --fail-on-error a run with failed requests exits 1; without, 0.
// Either way the report names the failures with an example message.
func TestBenchFailOnError(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-n", "5", "-c", "1"}, 0},
		{[]string{"-n", "5", "-c", "1", "--fail-on-error"}, 1},
		{[]string{"--fail-on-error", "--json", "-n", "5", "-c", "1"}, 1},
	} {
		code, stdout, stderr := bpRun(benchCmd, append(tc.args, bpFailsAfterFirst(t))...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
		if tc.code == 1 && stderr != "holdfast bench: 4 requests failed (--fail-on-error)\n" {
			t.Errorf("%q: stderr %q", tc.args, stderr)
		}
		if !strings.Contains(strings.ReplaceAll(stdout, "_", " "), "closed early") || strings.Contains(stdout, "(last: )") || strings.Contains(stdout, `"last_error": ""`) {
			t.Errorf("%q: the report does not show the failures with a message:\n%s", tc.args, stdout)
		}
	}
}

// bpFailsAfterFirst answers the request on its first connection, saying
// that it closes, and closes every later connection without an answer.
func bpFailsAfterFirst(t *testing.T) string {
	return bpRawServer(t, func(connNo int) []byte {
		if connNo > 0 {
			return nil
		}
		return []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
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
