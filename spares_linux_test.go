package holdfast

import (
	"net/http"
	"testing"
)

// A goroutine that lost its loop to a takeover, its request done, runs
// the loop again at the next takeover: one request after another that
// calls Offload is served by a few goroutines in turn, not one new
// goroutine each (which would start small and grow its stack again).
func TestTakeoverReusesGoroutines(t *testing.T) {
	const requests = 100
	handlers := make(chan uint64, requests)
	serveRequests(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Offload(w)
		handlers <- goroutineID()
		w.Write([]byte("ok"))
	}), requests)
	ids := map[uint64]bool{}
	for range requests {
		ids[<-handlers] = true
	}
	if len(ids) > requests/4 {
		t.Errorf("%d requests were served by %d goroutines; want a few, taking turns", requests, len(ids))
	}
}
