package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A format or level serve does not know is a usage error naming its flag.
func TestLogFlagsChecked(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"--log-format xml", "--log-format xml: want text or json"},
		{"--log-level loud", "--log-level loud: want debug, info, warn or error"},
	} {
		code, _, stderr := dispatchArgs(append([]string{"serve"}, strings.Fields(tc.args)...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, %q", tc.args, code, stderr)
		}
	}
	for _, level := range []string{"debug", "info", "warn", "error", "WARN"} {
		if _, err := parseServeArgs([]string{"--log-level", level, "--log-format", "json"}); err != nil {
			t.Errorf("--log-level %s: %v", level, err)
		}
	}
}

// readJSONLines waits until path holds n JSON lines (bounded) and returns
// them.
func readJSONLines(t *testing.T, path string, n int) []map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n {
			var out []map[string]any
			for _, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("%s: line %q: %v", path, l, err)
				}
				out = append(out, rec)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, want %d lines", path, b, n)
		}
	}
}

// The access log tells each request's connection, number on it and
// reuse; the connection log tells how the connection ended; both in JSON
// with --log-format json.
func TestAccessAndConnectionLogsAsJSON(t *testing.T) {
	dir := t.TempDir()
	access, conns := filepath.Join(dir, "access.log"), filepath.Join(dir, "conns.log")
	c := startCommand(t, "serve", "--listen", "127.0.0.1:0", "--log-format", "json",
		"--access-log", access, "--connection-log", conns, "--max-requests", "2")
	nc, err := net.Dial("tcp", strings.TrimPrefix(c.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	for _, path := range []string{"/demo/report", "/demo/report"} {
		io.WriteString(nc, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	nc.Close()
	reqs := readJSONLines(t, access, 2)
	if reqs[0]["msg"] != "request" || reqs[0]["req"] != 1.0 || reqs[0]["reused"] != false || reqs[0]["keep"] != true {
		t.Errorf("first access record: %v", reqs[0])
	}
	if reqs[1]["req"] != 2.0 || reqs[1]["reused"] != true || reqs[1]["close_reason"] != "max-requests" || reqs[1]["conn"] != reqs[0]["conn"] {
		t.Errorf("second access record: %v", reqs[1])
	}
	closed := readJSONLines(t, conns, 1)[0]
	if closed["msg"] != "connection closed" || closed["reason"] != "max-requests" || closed["requests"] != 2.0 || closed["conn"] != reqs[0]["conn"] {
		t.Errorf("connection record: %v", closed)
	}
}
