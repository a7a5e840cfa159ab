package holdfast_test

import (
	"net/http"
	"testing"
	"time"

	"holdfast"
)

// The request context's own AfterFunc (the one context.AfterFunc uses):
// each registration runs once at cancellation unless stopped first, and a
// stop function stops its own registration only, whatever was registered
// after it.
func TestRequestContextAfterFunc(t *testing.T) {
	type afterFuncer interface {
		AfterFunc(func()) func() bool
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ran := make(chan string, 4)
		stops := make(chan []bool, 1)
		started := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, ok := r.Context().(afterFuncer)
			if !ok {
				t.Error("the request context has no AfterFunc method")
				close(started)
				return
			}
			stopFirst := a.AfterFunc(func() { ran <- "first" })
			got := []bool{stopFirst(), stopFirst()}
			a.AfterFunc(func() { ran <- "second" })
			stopThird := a.AfterFunc(func() { ran <- "third" })
			got = append(got, stopFirst(), stopThird())
			a.AfterFunc(func() { ran <- "fourth" })
			stops <- got
			close(started)
			<-r.Context().Done()
		})
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
		c.nc.Close()
		if got := <-stops; got[0] != true || got[1] || got[2] || !got[3] {
			t.Errorf("stop results %v, want [true false false true]", got)
		}
		seen := map[string]int{}
		for len(seen) < 2 {
			select {
			case f := <-ran:
				seen[f]++
			case <-time.After(10 * time.Second):
				t.Fatalf("after the client left, ran %v; want second and fourth", seen)
			}
		}
		if seen["second"] != 1 || seen["fourth"] != 1 {
			t.Errorf("ran %v, want second and fourth once each", seen)
		}
	})
}
