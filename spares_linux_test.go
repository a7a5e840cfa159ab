package holdfast

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// A goroutine that lost its loop to a takeover, its request done, runs
// the loop again at the next takeover: one request after another that
// calls Offload is served by a few goroutines in turn, not one new
// goroutine each (which would start small and grow its stack again).
func TestTakeoverReusesGoroutines(t *testing.T) {
	const requests = 100
	handlers := make(chan uint64, requests)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Offload(w)
		handlers <- goroutineID()
		w.Write([]byte("ok"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, Engine: EngineEpoll}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	defer func() {
		s.Close()
		<-errc
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	for i := range requests {
		if _, err := fmt.Fprintf(nc, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	ids := map[uint64]bool{}
	for range requests {
		ids[<-handlers] = true
	}
	if len(ids) > requests/4 {
		t.Errorf("%d requests were served by %d goroutines; want a few, taking turns", requests, len(ids))
	}
}
