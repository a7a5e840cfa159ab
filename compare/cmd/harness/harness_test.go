package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"holdfast/compare/internal/idle"
	"holdfast/compare/internal/wrk"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-duration", "2s", "-rounds", "1", "-scenarios", "a,d",
		"-servers", "nethttp,holdfast:epoll,holdfast:epoll+metrics", "-idle-n", "2000"})
	if err != nil {
		t.Fatal(err)
	}
	want := []server{{"nethttp", "nethttp", "", false}, {"holdfast:epoll", "holdfast", "epoll", false},
		{"holdfast:epoll+metrics", "holdfast", "epoll", true}}
	if !reflect.DeepEqual(c.servers, want) || c.duration != 2*time.Second ||
		!reflect.DeepEqual(c.scenarios, []string{"a", "d"}) || !reflect.DeepEqual(c.idleN, []int{2000}) {
		t.Fatalf("config = %+v", c)
	}
	for _, bad := range [][]string{
		{"-duration", "1500ms"}, {"-rounds", "0"}, {"-scenarios", "i"},
		{"-servers", "apache"}, {"-servers", "nginx:epoll"}, {"-servers", "nginx+metrics"}, {"-idle-n", "10k"},
		{"-servers", "baseline:epoll"}, {"-servers", "baseline+metrics", "-baseline-peer", "/x/peer"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestScenariosExpandIdle(t *testing.T) {
	c, err := parseFlags([]string{"-scenarios", "b,d", "-idle-n", "100,200"})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{cfg: c, luaPath: "/x/pipeline.lua"}
	scs := h.scenarios()
	var keys []string
	for _, s := range scs {
		keys = append(keys, s.key)
	}
	if !reflect.DeepEqual(keys, []string{"b", "d100", "d200"}) {
		t.Fatalf("keys = %v", keys)
	}
	o := scs[0].wrk("127.0.0.1:1")
	if o.Script != "/x/pipeline.lua" || !reflect.DeepEqual(o.ScriptArgs, []string{"16"}) || o.Duration != "8s" {
		t.Fatalf("pipelined options = %+v", o)
	}
}

func TestRotation(t *testing.T) {
	if got := rotation(4, 5); !reflect.DeepEqual(got, []int{1, 2, 3, 0}) {
		t.Fatalf("rotation(4,5) = %v", got)
	}
}

func TestWrkSample(t *testing.T) {
	res := wrk.Result{Requests: 1000, RequestsSec: 500, P50: 100, P99: 900,
		Errors: wrk.SocketErrors{Read: 3}, Non2xx3xx: 2}
	s := wrkSample(res, 0.5, 0.1, 2)
	if s.vals[mPerCPU] != 2000 || s.vals[mCPU] != 25 || s.vals[mRPS] != 500 || s.vals[mOther] != 5 {
		t.Fatalf("vals = %v", s.vals)
	}
	if len(s.flags) != 2 {
		t.Fatalf("flags = %q", s.flags)
	}
	if busy := wrkSample(res, 0.5, 0.4, 2); len(busy.flags) != 3 || !strings.HasPrefix(busy.flags[0], "machine busy") {
		t.Fatalf("busy flags = %q", busy.flags)
	}
	if _, ok := wrkSample(res, 0, 0, 2).vals[mPerCPU]; ok {
		t.Fatal("zero CPU produced a per-CPU rate")
	}
}

func TestIdleSample(t *testing.T) {
	s := idleSample(idle.Result{N: 10, Opened: 8, Failed: 2, ClosedByServer: 1, RSSPerConnKiB: 4.5, IdleCPUms: 20})
	if s.vals[mHeld] != 7 || s.vals[mRSSConn] != 4.5 || len(s.flags) != 2 {
		t.Fatalf("sample = %+v", s)
	}
}

func TestCommandLine(t *testing.T) {
	got := commandLine([]string{"-rounds", "3", "-servers", "a b"})
	if got != `go run ./cmd/harness -rounds 3 -servers "a b"` {
		t.Fatalf("commandLine = %s", got)
	}
}

func TestScenariosTLS(t *testing.T) {
	c, err := parseFlags([]string{"-scenarios", "e,f,g,h", "-idle-n", "100", "-servers", "nethttp,fasthttp,nbio,nginx,holdfast:epoll"})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{cfg: c}
	scs := h.scenarios()
	var keys []string
	for _, s := range scs {
		keys = append(keys, s.key)
		if !s.tls {
			t.Errorf("%s is not over TLS", s.key)
		}
		var names []string
		for _, srv := range h.serversFor(s) {
			names = append(names, srv.Name)
		}
		if !reflect.DeepEqual(names, []string{"nethttp", "nginx", "holdfast:epoll"}) {
			t.Errorf("%s runs %v", s.key, names)
		}
	}
	if !reflect.DeepEqual(keys, []string{"e", "f", "g", "h100"}) {
		t.Fatalf("keys = %v", keys)
	}
	if u := scs[0].wrk("127.0.0.1:1").URL; u != "https://127.0.0.1:1/" {
		t.Errorf("(e) wrk URL %q", u)
	}
	if !reflect.DeepEqual(scs[1].bench, []string{"--no-keepalive", "--no-resume"}) || !reflect.DeepEqual(scs[2].bench, []string{"--no-keepalive"}) {
		t.Errorf("bench flags %q, %q", scs[1].bench, scs[2].bench)
	}
}

func TestBenchSample(t *testing.T) {
	var rep benchReport
	rep.Requests, rep.RPS, rep.Errors, rep.LastError = 1000, 500, 2, "EOF"
	rep.Latency.P50, rep.Latency.P99 = 0.1, 0.9
	s := benchSample(rep, 0.5, 0, 2)
	if s.vals[mPerCPU] != 2000 || s.vals[mP50] != 100 || s.vals[mP99] != 900 || len(s.flags) != 1 {
		t.Fatalf("sample = %+v", s)
	}
}
