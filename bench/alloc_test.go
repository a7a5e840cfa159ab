package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// newTestWorker returns a connected worker outside of a run.
func newTestWorker(t testing.TB, url string) *worker {
	t.Helper()
	p, err := newPlan(Config{URL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{p: p, stopCh: make(chan struct{})}
	w := newWorker(0, p, r, 3)
	r.workers = []*worker{w}
	w.exchange(1, time.Time{})
	if w.lastErr != nil {
		t.Fatal(w.lastErr)
	}
	return w
}

// The request path allocates nothing: a request is a write of prepared
// bytes, a read into the worker's buffer and a parse in place.
func TestRequestPathDoesNotAllocate(t *testing.T) {
	testrig.CheckLeaks(t)
	s := newCountServer(t, answerLength)
	w := newTestWorker(t, s.url())
	defer w.closeConn()
	allocs := testing.AllocsPerRun(500, func() { w.exchange(1, time.Time{}) })
	if allocs > 0 || w.st.opened != 1 {
		t.Errorf("%.2f allocations per request over %d connections, want 0 on 1", allocs, w.st.opened)
	}
}

// BenchmarkRequest is one request-response on a kept connection, next to
// net/http's client doing the same against the same kind of server.
func BenchmarkRequest(b *testing.B) {
	s := newCountServer(b, answerLength)
	w := newTestWorker(b, s.url())
	defer w.closeConn()
	b.ReportAllocs()
	for b.Loop() {
		w.exchange(1, time.Time{})
	}
	if w.lastErr != nil {
		b.Fatal(w.lastErr)
	}
}

func BenchmarkRequestNetHTTP(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Hello, World!"))
	}))
	defer srv.Close()
	client := srv.Client()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/hello", nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
