package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-race-report", "-proxies", "nginx,holdfast:epoll", "-race-requests", "64", "-race-idle", "200ms"})
	if err != nil || !c.raceReport || len(c.proxies) != 2 || c.raceRequests != 64 || c.raceIdle != 200*time.Millisecond {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range [][]string{{}, {"-race-report", "-reuse-ratio"}, {"-reuse-ratio", "-proxies", "apache"}, {"-race-report", "-race-burst", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

// A failure is named by the status the proxy answered when it answered
// one.
func TestRaceKind(t *testing.T) {
	if got := raceKind(errors.New(`PUT: status 502, body "Bad Gateway"`)); got != "502" {
		t.Errorf("raceKind = %q", got)
	}
	if got := raceKind(errors.New("read: connection reset by peer")); got != "connection reset" {
		t.Errorf("raceKind = %q", got)
	}
}

func TestRatioMarkdown(t *testing.T) {
	md := ratioMarkdown(config{ratioConnections: 64, ratioDuration: 10 * time.Second}, []ratioRun{
		{name: "holdfast", about: "a", clientRequests: 10000, upstreamRequests: 10000, upstreamConns: 5, proxyReused: 9995, proxyOf: 10000},
		{name: "nginx", about: "b", clientRequests: 10000, upstreamRequests: 10000, upstreamConns: 130, proxyReused: -1},
	})
	for _, want := range []string{"| holdfast | 10000 | 0 | 10000 | 5 | 99.950% | 99.950% (/upstreams: 9995 of 10000 reused) |",
		"| nginx | 10000 | 0 | 10000 | 130 | 98.700% | – |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
