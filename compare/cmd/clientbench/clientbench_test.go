package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"holdfast/client"
	"holdfast/compare/internal/report"
	"holdfast/internal/testrig"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-rounds", "3", "-duration", "2s", "-clients", "nethttp, holdfast"})
	if err != nil {
		t.Fatal(err)
	}
	if c.rounds != 3 || c.duration != 2*time.Second || !reflect.DeepEqual(c.clients, []string{"nethttp", "holdfast"}) ||
		c.callers != 64 || c.serverCPU != "0" || c.clientCPU != "1" {
		t.Fatalf("config = %+v", c)
	}
	for _, bad := range [][]string{
		{"-rounds", "0"}, {"-duration", "10ms"}, {"-clients", "curl"}, {"-clients", "nethttp,nethttp"},
		{"-clients", ""}, {"-callers", "0"}, {"-pprof", "fasthttp", "-clients", "holdfast"},
		{"-child"}, {"-child", "-client", "curl", "-url", "http://x/"}, {"-race-idle", "0s"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

// TestChildArgv checks that what the parent passes, the child parses back
// to the same load.
func TestChildArgv(t *testing.T) {
	c, err := parseFlags([]string{"-callers", "8", "-duration", "1500ms", "-warmup", "0s", "-fresh-requests"})
	if err != nil {
		t.Fatal(err)
	}
	child, err := parseFlags(c.childArgv("fasthttp", "http://127.0.0.1:1/", 42, "/tmp/p.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	if !child.child || child.client != "fasthttp" || child.url != "http://127.0.0.1:1/" || child.serverPID != 42 ||
		child.callers != 8 || child.duration != 1500*time.Millisecond || child.warmup != 0 || !child.fresh ||
		child.cpuprofile != "/tmp/p.pprof" {
		t.Fatalf("child config = %+v", child)
	}
}

func TestSampleOf(t *testing.T) {
	cr := childResult{Client: "holdfast", GOMAXPROCS: 1, NumCPU: 1, Seconds: 2, Requests: 100000,
		CPUTicks: 200, ServerTicks: 150, SystemTicks: 360, Mallocs: 500000, Bytes: 100000000, Reads: 100000, Writes: 100000}
	s := sampleOf(cr, "1")
	want := map[string]float64{mRPS: 50000, mClientCPU: 100, mServerCPU: 75, mOther: 5,
		mCPUus: 20, mAllocs: 5, mBytes: 1000, mSyscalls: 2}
	for k, v := range want {
		if got := s.vals[k]; got < v-1e-9 || got > v+1e-9 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if len(s.flags) != 0 {
		t.Errorf("flags = %q", s.flags)
	}
	cr.Errors, cr.FirstError, cr.GOMAXPROCS, cr.SystemTicks = 3, "EOF", 2, 600
	s = sampleOf(cr, "1")
	if len(s.flags) != 3 || !strings.Contains(s.flags[0], "3 errors (first: EOF)") ||
		!strings.Contains(s.flags[1], "GOMAXPROCS 2") || !strings.Contains(s.flags[2], "machine busy") {
		t.Errorf("flags = %q", s.flags)
	}
	if _, ok := sampleOf(childResult{Seconds: 1}, "1").vals[mAllocs]; ok {
		t.Error("a run without requests got per-request numbers")
	}
}

func TestCPUCount(t *testing.T) {
	for list, want := range map[string]int{"1": 1, "0-3": 4, "1,3": 2, "0-1,4": 3, "x": -1, "3-1": -1} {
		if got := cpuCount(list); got != want {
			t.Errorf("cpuCount(%q) = %d, want %d", list, got, want)
		}
	}
}

func TestRoundRatios(t *testing.T) {
	sc := &report.Scenario{Servers: []report.ServerResult{{Server: cHoldfast}, {Server: cNetHTTP}, {Server: cFastHTTP}}}
	addRoundRatios(sc, map[string]float64{cHoldfast: 60, cNetHTTP: 30}) // fasthttp failed this round
	addRoundRatios(sc, map[string]float64{cHoldfast: 60})               // net/http failed: no ratios
	if got := sc.Servers[0].Samples[mRatio]; !reflect.DeepEqual(got, []float64{2}) {
		t.Errorf("holdfast ratios = %v", got)
	}
	if got := sc.Servers[1].Samples[mRatio]; !reflect.DeepEqual(got, []float64{1}) {
		t.Errorf("nethttp ratios = %v", got)
	}
	if _, ok := sc.Servers[2].Samples[mRatio]; ok {
		t.Error("a client without a sample got a ratio")
	}
	if got := rotation(3, 4); !reflect.DeepEqual(got, []int{1, 2, 0}) {
		t.Errorf("rotation(3,4) = %v", got)
	}
}

func TestHeadline(t *testing.T) {
	sc := &report.Scenario{Servers: []report.ServerResult{{Server: cHoldfast}, {Server: cNetHTTP}}}
	for _, v := range [][2]float64{{60, 30}, {66, 30}, {50, 25}} {
		addRoundRatios(sc, map[string]float64{cHoldfast: v[0], cNetHTTP: v[1]})
	}
	sc.Servers[0].Add(mAllocs, 4)
	sc.Servers[1].Add(mAllocs, 36)
	rep := report.Report{Scenarios: []report.Scenario{*sc}}
	rep.Summarize()
	got := headline(&rep.Scenarios[0])
	want := "- holdfast: 2.00× net/http's req/s (median of the per-round ratios; 2.00×–2.20× over 3 rounds); allocs/req 4.0 vs 36.0; client CPU/req – vs – µs.\n"
	if !strings.Contains(got, want) {
		t.Errorf("headline = %q, want it to hold %q", got, want)
	}
	if headline(&report.Scenario{Servers: []report.ServerResult{{Server: cHoldfast}}}) != "" {
		t.Error("headline without net/http")
	}
}

func TestParseChild(t *testing.T) {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(childResult{Client: "nethttp", Seconds: 1.5, Requests: 10})
	cr, err := parseChild(b.Bytes())
	if err != nil || cr.Client != "nethttp" || cr.Requests != 10 {
		t.Fatalf("parseChild = %+v, %v", cr, err)
	}
	for _, bad := range []string{"", "{", `{"seconds": 0}`} {
		if _, err := parseChild([]byte(bad)); err == nil {
			t.Errorf("parseChild(%q) accepted", bad)
		}
	}
}

func TestCommandLine(t *testing.T) {
	if got := commandLine([]string{"-rounds", "5", "-clients", "a b"}); got != `go run ./cmd/clientbench -rounds 5 -clients "a b"` {
		t.Fatalf("commandLine = %s", got)
	}
}

func TestReadFullAndCheck(t *testing.T) {
	buf := make([]byte, 16)
	n, err := readFull(strings.NewReader("Hello, World!"), buf)
	if err := checkResponse(200, buf[:n], err); err != nil {
		t.Fatal(err)
	}
	if _, err := readFull(strings.NewReader(strings.Repeat("x", 17)), buf); err == nil {
		t.Error("an oversized body fit")
	}
	if checkResponse(404, helloBody, nil) == nil || checkResponse(200, []byte("Hello"), nil) == nil ||
		checkResponse(200, helloBody, io.ErrUnexpectedEOF) == nil {
		t.Error("checkResponse accepted a bad response")
	}
}

func TestRaceKind(t *testing.T) {
	cases := map[string]error{
		"reused connection closed, not retried": fmt.Errorf("x: %w", client.ErrReusedConnClosed),
		"server closed idle connection":         errors.New("net/http: HTTP/1.x transport connection broken: http: server closed idle connection"),
		"connection reset":                      fmt.Errorf("read: %w", syscall.ECONNRESET),
		"EOF":                                   fmt.Errorf("Put \"http://x\": %w", io.EOF),
		"bad status":                            errors.New("PUT: status 408"),
		"other":                                 errors.New("something"),
	}
	for want, err := range cases {
		if got := raceKind(err); got != want {
			t.Errorf("raceKind(%v) = %q, want %q", err, got, want)
		}
	}
	if testrig.RaceMethod(0) != "GET" || testrig.RaceMethod(1) != "PUT" {
		t.Error("RaceMethod does not alternate GET and PUT")
	}
}

// hello is a stand-in for nginx.
func hello(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(helloBody)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRunChild runs the measured loop of every client, briefly, in this
// process: it counts requests and finds no errors.
func TestRunChild(t *testing.T) {
	srv := hello(t)
	for _, name := range allClients {
		t.Run(name, func(t *testing.T) {
			cfg, err := parseFlags([]string{"-child", "-client", name, "-url", srv.URL + "/", "-callers", "4",
				"-duration", "200ms", "-warmup", "50ms"})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := runChild(cfg, &out); err != nil {
				t.Fatal(err)
			}
			cr, err := parseChild(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if cr.Requests == 0 || cr.Errors != 0 || cr.Client != name || cr.Mallocs == 0 && name != cFastHTTP {
				t.Fatalf("result = %+v", cr)
			}
		})
	}
}

// TestRaceLoop runs a small reuse-race loop against a server that keeps
// connections: every request succeeds, and later ones reuse connections.
func TestRaceLoop(t *testing.T) {
	srv := httptest.NewServer(testrig.RaceHandler)
	t.Cleanup(srv.Close)
	for _, tr := range raceTransports {
		rt, stats, closeIdle := tr.make()
		r := testrig.RunRace(context.Background(), rt, testrig.Race{URL: srv.URL + "/", Requests: 16, Callers: 4, Idle: 20 * time.Millisecond})
		stats()
		closeIdle()
		if r.Requests != 16 || r.Failures != 0 || r.Reused == 0 {
			t.Errorf("%s: %+v", tr.name, r)
		}
	}
	md := raceMarkdown(config{raceRequests: 16, raceCallers: 4, raceIdle: 20 * time.Millisecond, raceRounds: 1},
		[]raceTarget{{name: "x", about: "test"}},
		map[string][]raceRun{"x\x00" + raceTransports[0].name: {{RaceResult: testrig.RaceResult{Requests: 16, Failures: 2, Kinds: map[string]int{"PUT EOF": 2}, First: io.EOF}}}},
		time.Unix(0, 0).UTC())
	if !strings.Contains(md, "| x (test) | net/http Transport | 16 | 2 | 2 | 12.50% | 0 | PUT EOF 2 |") {
		t.Errorf("race markdown:\n%s", md)
	}
}
