package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what CheckLeaks reports and runs its
// cleanups when told.
type recorder struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper()           {}
func (r *recorder) Cleanup(f func())  { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestCheckLeaksFindsALeak(t *testing.T) {
	r := &recorder{TB: t}
	checkLeaksWithin(r, time.Second, nil)
	stop := make(chan struct{})
	defer close(stop)
	go leakUntil(stop)
	r.end()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "leakUntil") {
		t.Fatalf("a goroutine left running was not reported: %q", r.errors)
	}
}

func TestCheckLeaksSparesOlderAndExitingGoroutines(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go leakUntil(stop)
	r := &recorder{TB: t}
	CheckLeaks(r)
	done := make(chan struct{})
	go func() { <-done }()
	time.AfterFunc(time.Second, func() { close(done) }) // a goroutine of the test's that ends within the grace
	r.end()
	if len(r.errors) != 0 {
		t.Fatalf("reported goroutines the test did not leave: %q", r.errors)
	}
}

// leakUntil blocks until stop is closed: the leak the tests plant.
func leakUntil(stop chan struct{}) { <-stop }

// TestMainFindsALeak runs this test binary again with a test that leaks
// on purpose, and expects TestMain's goleak.VerifyTestMain to fail it.
func TestMainFindsALeak(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakOnPurpose$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TESTRIG_LEAK_ON_PURPOSE=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "found unexpected goroutines") || !strings.Contains(string(out), "leakUntil") {
		t.Fatalf("the leak went unnoticed (%v):\n%s", err, out)
	}
}

// TestLeakOnPurpose leaves a goroutine behind, when run by
// TestMainFindsALeak.
func TestLeakOnPurpose(t *testing.T) {
	if os.Getenv("TESTRIG_LEAK_ON_PURPOSE") == "" {
		t.Skip("run by TestMainFindsALeak")
	}
	go leakUntil(make(chan struct{}))
}
