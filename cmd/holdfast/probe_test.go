package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"holdfast"
)

func probeCmd(args []string, out, errb *bytes.Buffer) int { return runProbe(args, out, errb) }

func TestProbeBadInput(t *testing.T) {
	garbage := bpGarbage(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"http://[::1"}, "bad URL"},
		{[]string{"https://127.0.0.1:1/"}, "connection refused"},
		{[]string{"--timeout", "2s", "https://" + strings.TrimPrefix(garbage, "http://")}, "TLS handshake failed"},
		{[]string{bpRefused(t)}, "connection refused"},
		{[]string{"--timeout", "2s", garbage}, "did not answer with HTTP/1.x"},
		{[]string{"--max-wait", "x", "http://127.0.0.1:1/"}, "not a duration"},
		{[]string{"a", "b"}, "one URL expected"},
	} {
		code, _, stderr := bpRun(probeCmd, tc.args...)
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { bpOneLineError(t, code, stderr, tc.want) })
	}
}

func TestProbeJSON(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{IdleTimeout: time.Second, MaxRequests: 5, HeaderTimeout: 500 * time.Millisecond})
	code, stdout, stderr := bpRun(probeCmd, "--json", "--max-wait", "3s", url)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"idle_timeout_seconds", "max_requests", "http10_keepalive", "http11_persistent",
		"pipelining", "advertised_timeout_seconds", "advertised_max"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["max_requests"] != 5.0 {
		t.Errorf("max_requests %v, want 5", m["max_requests"])
	}
}

func TestProbeTable(t *testing.T) {
	url := bpHoldfast(t, holdfast.Policy{IdleTimeout: time.Second, MaxRequests: 4, HeaderTimeout: 500 * time.Millisecond})
	code, stdout, stderr := bpRun(probeCmd, "--max-wait", "3s", url)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"HTTP/1.0 + keep-alive", "idle timeout", "requests per connection", "4 (last response said Connection: close", "answered 408", "3 of 3 answered, in order"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
}
