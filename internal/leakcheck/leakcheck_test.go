package leakcheck

import (
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	failed   bool
	cleanups []func()
}

func (r *recorder) Helper()               {}
func (r *recorder) Cleanup(f func())      { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestCatchesALeak(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	stop := make(chan struct{})
	go func() { <-stop }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, f := range r.cleanups {
			f()
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("check did not finish")
	}
	close(stop)
	if !r.failed {
		t.Fatal("a goroutine left running was not reported")
	}
}

func TestQuietWhenClean(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	for _, f := range r.cleanups {
		f()
	}
	if r.failed {
		t.Fatal("reported a leak where there was none")
	}
}
