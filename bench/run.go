package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// runner coordinates the workers of one run.
type runner struct {
	p         *plan
	stop      atomic.Bool   // atomic: set once when the run ends
	stopCh    chan struct{} // closed with stop, for workers waiting on a timer
	stopOnce  sync.Once
	remaining atomic.Int64 // atomic: requests not yet claimed, in a counted run
	start     time.Time    // set before the workers start
	workers   []*worker
	timeline  []Sample // set when the workers are done
}

func (r *runner) stopped() bool { return r.stop.Load() }

// claim takes up to n of the remaining requests of a counted run; a run
// bounded by time always gets n.
func (r *runner) claim(n int) int {
	if r.p.Requests == 0 {
		return n
	}
	left := r.remaining.Add(-int64(n))
	switch {
	case left >= 0:
		return n
	case left > -int64(n):
		return int(left + int64(n))
	}
	return 0
}

// halt ends the run: workers see the flag after their current request, and
// those blocked on a socket are woken by a deadline in the past.
func (r *runner) halt() {
	r.stopOnce.Do(func() {
		r.stop.Store(true)
		close(r.stopCh)
		for _, w := range r.workers {
			if c := w.live.Load(); c != nil {
				c.SetDeadline(time.Unix(1, 0))
			}
		}
	})
}

// Run performs one benchmark. It returns an error without a Result when the
// configuration is wrong or the first request fails (nothing listens, the
// peer is not an HTTP server); later failures are counted in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	p, err := newPlan(cfg)
	if err != nil {
		return nil, err
	}
	r := &runner{p: p, stopCh: make(chan struct{})}
	r.remaining.Store(p.Requests)
	sigfigs := 3
	if p.Connections > 256 {
		sigfigs = 2 // bounds the memory of per-connection histograms
	}
	for i := range p.Connections {
		r.workers = append(r.workers, newWorker(i, p, r, sigfigs))
	}
	if err := r.first(); err != nil {
		return nil, err
	}
	elapsed := r.drive(ctx)
	return r.result(elapsed), nil
}

// first sends one request before the others start, so that a server that
// is not there, or not HTTP, is reported as one clear error instead of a
// run full of failures. The request counts as part of the run.
func (r *runner) first() error {
	w := r.workers[0]
	r.start = time.Now()
	if r.claim(1) == 0 {
		return nil
	}
	w.exchange(1, time.Time{})
	if w.lastErr == nil {
		return nil
	}
	return describeFailure(r.p, w)
}

// describeFailure turns the first request's failure into one sentence.
func describeFailure(p *plan, w *worker) error {
	err := w.lastErr
	for k, n := range w.st.errs {
		if n == 0 {
			continue
		}
		switch ErrorKind(k) {
		case ConnectRefused, ConnectTimeout, ConnectError:
			return fmt.Errorf("%w to %s: %v", ErrUnreachable, p.addr, rootCause(err))
		case TLSError:
			return fmt.Errorf("%w with %s: %v%s", ErrTLSHandshake, p.addr, err, insecureHint(err))
		case BadResponse:
			return fmt.Errorf("%w: %s answered %s: %v", ErrNotHTTP, p.addr, snippet(w.in.Unread()), err)
		case Timeout:
			return fmt.Errorf("%w: %s sent no answer within %v", ErrNotHTTP, p.addr, p.Timeout)
		case ClosedEarly:
			return fmt.Errorf("%w: %s closed the connection without answering", ErrNotHTTP, p.addr)
		case Reset:
			return fmt.Errorf("%w: %s reset the connection without answering", ErrNotHTTP, p.addr)
		}
	}
	return fmt.Errorf("%w: %s: %v", ErrNotHTTP, p.addr, err)
}

// insecureHint suggests --insecure for a certificate the system does not
// trust (a self-signed one).
func insecureHint(err error) string {
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return " (--insecure skips the check)"
	}
	return ""
}

// snippet quotes the first bytes a peer sent, which usually say what it is
// ("SSH-2.0-...", a TLS alert).
func snippet(b []byte) string {
	if len(b) == 0 {
		return "nothing readable"
	}
	if len(b) > 32 {
		return strconv.Quote(string(b[:32])) + "..."
	}
	return strconv.Quote(string(b))
}

// drive runs the workers until the duration passes, the requests are
// sent or ctx ends, and returns the measured time.
func (r *runner) drive(ctx context.Context) time.Duration {
	r.start = time.Now()
	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Go(w.run)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	rep := newReporter(r)
	repDone := make(chan struct{})
	go func() { rep.loop(done); close(repDone) }()

	var limit <-chan time.Time
	if r.p.Requests == 0 {
		t := time.NewTimer(r.p.Duration)
		defer t.Stop()
		limit = t.C
	}
	select {
	case <-done:
	case <-limit:
	case <-ctx.Done():
	}
	elapsed := time.Since(r.start)
	r.halt()
	<-done
	<-repDone
	rep.final(elapsed)
	r.timeline = rep.timeline
	return elapsed
}
