package holdfast_test

import (
	"context"
	"errors"
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

// The request's context is cancelled when the client goes away.
func TestContextCancelledWhenClientGoes(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		expectCancelOnLeave(t, e, func(ctx context.Context) (context.Context, func()) { return ctx, func() {} })
	})
}

// A context derived from the request's (as handlers do for timeouts) is
// cancelled with it when the client goes away.
func TestDerivedContextCancelled(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		expectCancelOnLeave(t, e, func(ctx context.Context) (context.Context, func()) {
			ctx, stop := context.WithTimeout(ctx, time.Minute)
			stopAfter := context.AfterFunc(ctx, func() {})
			return ctx, func() { stopAfter(); stop() }
		})
	})
}

// expectCancelOnLeave has a handler wait on derive(its request's context)
// while the client closes its connection mid-request, and fails t unless
// that context ends with context.Canceled.
func expectCancelOnLeave(t *testing.T, e holdfast.Engine, derive func(context.Context) (context.Context, func())) {
	started, cancelled := make(chan struct{}), make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, stop := derive(r.Context())
		defer stop()
		close(started)
		select {
		case <-ctx.Done():
			cancelled <- ctx.Err()
		case <-time.After(10 * time.Second):
			cancelled <- errors.New("context not cancelled within 10 s")
		}
	})
	ts := newServer(t, e, h)
	c := ts.dial(t)
	c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.nc.Close()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler saw %v", err)
	}
}

// The request's context ends when the handler returns, also for
// goroutines the handler left waiting on it.
func TestContextEndsWithRequest(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		done := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			go func() {
				select {
				case <-ctx.Done():
					done <- ctx.Err()
				case <-time.After(10 * time.Second):
					done <- errors.New("context still live 10 s after the handler returned")
				}
			}()
		})
		ts := newServer(t, e, h)
		ts.dial(t).get("/")
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
}
