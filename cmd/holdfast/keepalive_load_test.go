package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// keepAliveLoad is a few clients, each on one kept-alive connection of
// its own, sending requests one after another until stopped, or until a
// bound on their number or time. Every other request is a POST with a
// body, which net/http never sends again on a fresh connection once it
// was written: a connection closed under a request shows as a failure.
type keepAliveLoad struct {
	workers []*loadWorker
	stopped atomic.Bool
	wg      sync.WaitGroup
}

// loadWorker is one client of the load and what it saw.
type loadWorker struct {
	client *http.Client

	mu       sync.Mutex // guards the fields below
	conns    []string   // local addresses of the connections used, in order
	requests int
	failures int
	first    error
	marked   int // len(conns) when connections() was called
}

// loadResult adds up the workers.
type loadResult struct {
	requests, failures int
	first              error
	newConns           int // connections opened after connections() was called
}

const (
	loadMaxRequests = 20000 // per worker
	loadMaxTime     = 60 * time.Second
)

func startKeepAliveLoad(t *testing.T, url string, workers int) *keepAliveLoad {
	load := &keepAliveLoad{}
	for range workers {
		w := &loadWorker{client: &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}}
		load.workers = append(load.workers, w)
		load.wg.Go(func() { w.run(url, &load.stopped) })
	}
	t.Cleanup(func() { load.stop() })
	return load
}

func (w *loadWorker) run(url string, stopped *atomic.Bool) {
	deadline := time.Now().Add(loadMaxTime)
	for i := 0; i < loadMaxRequests && !stopped.Load() && time.Now().Before(deadline); i++ {
		method := "GET"
		if i%2 == 1 {
			method = "POST"
		}
		resp, _ := w.send(method, url)
		w.mu.Lock()
		w.requests++
		if resp.err != nil || resp.status != 200 {
			w.failures++
			if w.first == nil {
				w.first = fmt.Errorf("%s %s: status %d, %v", method, url, resp.status, resp.err)
			}
		}
		w.mu.Unlock()
	}
}

// answer is what a request got.
type answer struct {
	status int
	body   string
	hint   string // Keep-Alive: timeout=
	err    error
}

// get sends a GET and says on which connection it went.
func (w *loadWorker) get(url string) (answer, string) { return w.send("GET", url) }

// send sends one request and says on which connection it went.
func (w *loadWorker) send(method, url string) (answer, string) {
	var conn string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		conn = info.Conn.LocalAddr().String()
		w.mu.Lock()
		if n := len(w.conns); n == 0 || w.conns[n-1] != conn {
			w.conns = append(w.conns, conn)
		}
		w.mu.Unlock()
	}}
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader("posted")
	}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), method, url, body)
	resp, err := w.client.Do(req)
	if err != nil {
		return answer{err: err}, conn
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(got), hint: keepAliveHint(resp), err: err}, conn
}

// total is the requests sent so far.
func (load *keepAliveLoad) total() int {
	n := 0
	for _, w := range load.workers {
		w.mu.Lock()
		n += w.requests
		w.mu.Unlock()
	}
	return n
}

// waitRequests waits until the workers have sent n requests in all.
func (load *keepAliveLoad) waitRequests(t *testing.T, n int) {
	t.Helper()
	for range 2000 {
		if load.total() >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the load sent %d requests, want %d", load.total(), n)
}

// connections is each worker's connection now; connections opened from
// now on count as new.
func (load *keepAliveLoad) connections() []string {
	var out []string
	for _, w := range load.workers {
		w.mu.Lock()
		out = append(out, w.conns[len(w.conns)-1])
		w.marked = len(w.conns)
		w.mu.Unlock()
	}
	return out
}

// stop ends the load and adds up what the workers saw.
func (load *keepAliveLoad) stop() loadResult {
	load.stopped.Store(true)
	load.wg.Wait()
	var res loadResult
	for _, w := range load.workers {
		w.mu.Lock()
		res.requests += w.requests
		res.failures += w.failures
		if res.first == nil {
			res.first = w.first
		}
		if w.marked > 0 {
			res.newConns += len(w.conns) - w.marked
		}
		w.mu.Unlock()
	}
	return res
}
