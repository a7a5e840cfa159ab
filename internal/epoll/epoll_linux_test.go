package epoll

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func newPoller(t *testing.T) *Poller {
	t.Helper()
	p, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestWaitSeesReadiness(t *testing.T) {
	p := newPoller(t)
	r, w := pipe(t)
	if err := p.Add(r, In|Edge, 7); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		unix.Write(w, []byte("x"))
	}()
	evs, err := p.Wait(time.Now().Add(10 * time.Second))
	if err != nil || len(evs) != 1 || int(evs[0].Fd) != r || evs[0].Events&In == 0 || evs[0].Pad != 7 {
		t.Fatalf("events %v, %v", evs, err)
	}
}

func TestWaitDeadline(t *testing.T) {
	p := newPoller(t)
	if _, err := p.Wait(time.Now().Add(20 * time.Millisecond)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
}

func TestWakeParked(t *testing.T) {
	p := newPoller(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.Wake()
	}()
	evs, err := p.Wait(time.Now().Add(10 * time.Second))
	if err != nil || len(evs) != 0 {
		t.Fatalf("events %v, %v; want a bare wake-up", evs, err)
	}
}

// A Wake that comes before Wait is not lost.
func TestWakeBeforeWait(t *testing.T) {
	p := newPoller(t)
	p.Wake()
	if _, err := p.Wait(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatalf("Wait after Wake: %v", err)
	}
	// And it is consumed: the next Wait times out.
	if _, err := p.Wait(time.Now().Add(20 * time.Millisecond)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("second Wait: %v", err)
	}
}

// Wakes racing with Wait are never lost: after the last Wake, one more
// Wait returns without waiting for its deadline.
func TestManyWakes(t *testing.T) {
	p := newPoller(t)
	for round := 0; round < 200; round++ {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 5; i++ {
				p.Wake()
			}
		}()
		<-done
		if _, err := p.Wait(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		// Drain any wake-up that raced with the one consumed above.
		p.Wait(time.Now().Add(time.Millisecond))
	}
}

// needTwoProcs skips a test whose waker must run while WaitBlocking holds
// the only processor.
func needTwoProcs(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2: WaitBlocking keeps its processor, so nothing else runs meanwhile")
	}
}

// untilAsleep waits until p's waiter is blocked in its system call (or
// about to be), so that what the test does next must wake it.
func untilAsleep(p *Poller) {
	for !p.asleep.Load() {
		runtime.Gosched()
	}
}

// Wake ends a wait blocked in the system call, long before its deadline.
func TestWaitBlockingWake(t *testing.T) {
	needTwoProcs(t)
	p := newPoller(t)
	done := make(chan error, 1)
	go func() {
		evs, err := p.WaitBlocking(time.Minute)
		if err == nil && len(evs) != 0 {
			err = fmt.Errorf("events %v; want a bare wake-up", evs)
		}
		done <- err
	}()
	untilAsleep(p)
	p.Wake()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wake did not end a blocked wait")
	}
}

func TestWaitBlockingEvents(t *testing.T) {
	needTwoProcs(t)
	p := newPoller(t)
	r, w := pipe(t)
	if err := p.Add(r, In|Edge, 3); err != nil {
		t.Fatal(err)
	}
	go func() {
		untilAsleep(p)
		unix.Write(w, []byte("x"))
	}()
	// A wait may also end early, empty-handed, when the runtime signals
	// the thread: wait again until the event comes.
	for i := 0; i < 1000; i++ {
		evs, err := p.WaitBlocking(10 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if len(evs) != 1 || evs[0].Pad != 3 {
				t.Fatalf("events %v", evs)
			}
			return
		}
	}
	t.Fatal("no event from the pipe")
}

// WaitBlocking returns empty-handed at its deadline.
func TestWaitBlockingDeadline(t *testing.T) {
	p := newPoller(t)
	evs, err := p.WaitBlocking(5 * time.Millisecond)
	if err != nil || len(evs) != 0 {
		t.Fatalf("events %v, %v", evs, err)
	}
}

// Without epoll_pwait2 (an old kernel, or a seccomp filter that refuses
// it) WaitBlocking falls back to epoll_pwait: events still come, and a wait
// shorter than its millisecond granularity only polls.
func TestWaitBlockingFallback(t *testing.T) {
	was := noPwait2.Swap(true)
	t.Cleanup(func() { noPwait2.Store(was) })
	p := newPoller(t)
	r, w := pipe(t)
	if err := p.Add(r, In|Edge, 5); err != nil {
		t.Fatal(err)
	}
	if evs, err := p.WaitBlocking(20 * time.Microsecond); err != nil || len(evs) != 0 {
		t.Fatalf("idle: events %v, %v", evs, err)
	}
	unix.Write(w, []byte("x"))
	evs, err := p.WaitBlocking(time.Second)
	if err != nil || len(evs) != 1 || evs[0].Pad != 5 {
		t.Fatalf("events %v, %v", evs, err)
	}
}

// Messages posted from other goroutines are never stranded: the waiter
// takes an inbox (as a server's loop does), then waits, alternating
// between the blocking wait and the parked one the way a loop does when
// work comes and goes, while posters append to the inbox and call Wake.
// Every message must be taken; a lost wake-up leaves the waiter parked
// with messages in the inbox, which the watchdog reports. Under load (the
// other packages' tests beside it) a Wake delayed between setting its flag
// and clearing the asleep mark used to strand the waiter once in a few
// hundred runs: see collect.
func TestWakeNeverStrandsAMessage(t *testing.T) {
	const posters, perPoster = 4, 20_000
	p := newPoller(t)
	var mu sync.Mutex
	inbox := 0
	for range posters {
		go func() {
			for i := range perPoster {
				mu.Lock()
				inbox++
				mu.Unlock()
				p.Wake()
				if i%64 == 0 {
					time.Sleep(50 * time.Microsecond) // let the waiter fall asleep now and then
				}
			}
		}()
	}
	taken := 0
	for taken < posters*perPoster {
		mu.Lock()
		n := inbox
		inbox = 0
		mu.Unlock()
		taken += n
		if taken == posters*perPoster {
			break
		}
		var err error
		if n > 0 { // work came: block in the system call for a moment, as a busy loop does
			_, err = p.WaitBlocking(20 * time.Microsecond)
		} else {
			_, err = p.Wait(time.Now().Add(10 * time.Second))
		}
		if errors.Is(err, ErrTimeout) {
			mu.Lock()
			stranded := inbox
			mu.Unlock()
			t.Fatalf("waiter parked 10 s with %d messages in the inbox (%d of %d taken)", stranded, taken, posters*perPoster)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
