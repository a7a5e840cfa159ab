package main

import (
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// The scraper GETs /metrics every second until stopped, and counts what
// failed.
func TestScraper(t *testing.T) {
	var hits atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Write([]byte("# metrics\n"))
	})}
	go srv.Serve(l)
	defer srv.Close()

	stop := startScraper(l.Addr().String())
	for deadline := time.Now().Add(10 * time.Second); hits.Load() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d scrapes in 10 s", hits.Load())
		}
	}
	n := stop()
	if n.total < 2 || n.failed != 0 || int64(n.total) != hits.Load() {
		t.Fatalf("counts %+v, server saw %d", n, hits.Load())
	}
	if n := startScraper("")(); n.total != 0 {
		t.Fatalf("a scraper with no address scraped: %+v", n)
	}
}
