package admin_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"holdfast"
	"holdfast/admin"
	"holdfast/internal/testrig"
)

// The cost of looking: a /metrics scrape and a live-page update with
// 10,000 idle connections open, as CPU time per operation (rusage of the
// whole process: the handler, the engine's gather, the garbage) and as
// the share of one core that one per second costs (target: under 1 %).
//
//	go test -run '^$' -bench 'Scrape|LiveUpdate' -benchtime 50x ./admin/

func BenchmarkScrape10kIdle(b *testing.B) {
	app := idleServer(b, 10000)
	h := admin.Handler(app)
	req := httptest.NewRequest("GET", "/metrics", nil)
	measureCPU(b, func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("GET /metrics: %d", w.Code)
		}
	})
}

func BenchmarkLiveUpdate10kIdle(b *testing.B) {
	app := idleServer(b, 10000)
	measureCPU(b, func() { admin.BuildFrame(app) })
}

// BenchmarkScrapeIdleServer is a scrape with no connection open: the fixed
// part (Go's and the process's collectors, the encoding).
func BenchmarkScrapeIdleServer(b *testing.B) {
	app := &holdfast.Server{Handler: okHandler}
	serve(b, app)
	h := admin.Handler(app)
	req := httptest.NewRequest("GET", "/metrics", nil)
	measureCPU(b, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
}

// idleServer starts a server holding n idle connections, opened by a
// child process; they send nothing.
func idleServer(b *testing.B, n int) *holdfast.Server {
	b.Helper()
	app := &holdfast.Server{Handler: okHandler, Policy: holdfast.Policy{IdleTimeout: 10 * time.Minute}}
	addr := serve(b, app)
	holdConns(b, addr, n)
	for deadline := time.Now().Add(30 * time.Second); app.Stats().ConnectionsOpen < int64(n); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d connections open, want %d", app.Stats().ConnectionsOpen, n)
		}
	}
	return app
}

// measureCPU runs op b.N times and reports the process's CPU time per op
// and what one op per second costs as a share of a core.
func measureCPU(b *testing.B, op func()) {
	b.Helper()
	op() // warm up: first allocations, lazily built state
	b.ReportAllocs()
	b.ResetTimer()
	before := testrig.CPUTime()
	for range b.N {
		op()
	}
	cpu := testrig.CPUTime() - before
	b.StopTimer()
	perOp := float64(cpu) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(perOp/1e9*100, "%core@1Hz")
}
