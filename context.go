package holdfast

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// reqContext is a request's context: cancelled when the request ends, the
// server closes or the client goes away. It lives inside the request's
// response value, so it costs no allocation of its own, and its Done
// channel is made only if somebody asks for it. It implements the
// AfterFunc method that the context package looks for, so contexts derived
// from it (context.WithTimeout in a handler) need no goroutine to follow it.
type reqContext struct {
	conn   *conn
	wire   wire // for http.LocalAddrContextKey
	mu     sync.Mutex
	done   chan struct{}   // guarded by mu; made on first Done
	err    error           // guarded by mu
	afters map[*int]func() // guarded by mu; functions to run at cancellation

	// The first function AfterFunc registers is kept here rather than in
	// afters: a request usually has one (an outgoing request's), and the
	// map costs allocations. The slot serves one registration only, so
	// that a late call of its stop function cannot stop a later one.
	first     func() // guarded by mu; nil once run or stopped
	firstUsed bool   // guarded by mu
}

func (rc *reqContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (rc *reqContext) Value(key any) any {
	if key == http.LocalAddrContextKey {
		return rc.wire.localAddr()
	}
	return rc.conn.Value(key)
}

func (rc *reqContext) Done() <-chan struct{} {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.done == nil {
		rc.done = make(chan struct{})
		if rc.err != nil {
			close(rc.done)
		}
	}
	return rc.done
}

func (rc *reqContext) Err() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.err
}

// cancel ends the context; only the first call counts.
func (rc *reqContext) cancel() {
	rc.mu.Lock()
	if rc.err != nil {
		rc.mu.Unlock()
		return
	}
	rc.err = context.Canceled
	if rc.done != nil {
		close(rc.done)
	}
	afters, first := rc.afters, rc.first
	rc.afters, rc.first = nil, nil
	rc.mu.Unlock()
	if first != nil {
		go first()
	}
	for _, f := range afters {
		go f()
	}
}

// AfterFunc arranges for f to run in its own goroutine once the context
// is cancelled (at once if it is already); stop unregisters it.
func (rc *reqContext) AfterFunc(f func()) (stop func() bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.err != nil {
		go f()
		return func() bool { return false }
	}
	if !rc.firstUsed {
		rc.first, rc.firstUsed = f, true
		return rc.stopFirst
	}
	key := new(int)
	if rc.afters == nil {
		rc.afters = make(map[*int]func())
	}
	rc.afters[key] = f
	return func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		_, ok := rc.afters[key]
		delete(rc.afters, key)
		return ok
	}
}

// stopFirst is the stop function of the first registration.
func (rc *reqContext) stopFirst() bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ok := rc.first != nil
	rc.first = nil
	return ok
}
