package bench

import "time"

// Progress is what a run has done so far, handed to Config.Progress.
type Progress struct {
	Elapsed  time.Duration
	Requests int64   // responses received
	Errors   int64   // failed requests
	Bytes    int64   // bytes received
	Rate     float64 // requests/s over the last interval
}

// Sample is one point of the throughput timeline: the totals at Elapsed.
type Sample struct {
	Elapsed  time.Duration
	Requests int64
	Bytes    int64
	Errors   int64
}

// reporter samples the workers' counters; it is the only reader of them
// while the run lasts.
type reporter struct {
	r        *runner
	timeline []Sample // owned by the reporter goroutine until final
}

func newReporter(r *runner) *reporter { return &reporter{r: r} }

func (rep *reporter) sum(elapsed time.Duration) Sample {
	s := Sample{Elapsed: elapsed}
	for _, w := range rep.r.workers {
		s.Requests += w.requests.Load()
		s.Bytes += w.bytes.Load()
		s.Errors += w.failures.Load()
	}
	return s
}

// loop samples every interval until done is closed.
func (rep *reporter) loop(done <-chan struct{}) {
	t := time.NewTicker(rep.r.p.Interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-rep.r.stopCh:
			return
		case <-t.C:
		}
		rep.add(rep.sum(time.Since(rep.r.start)), true)
	}
}

// final records the last, possibly partial, interval.
func (rep *reporter) final(elapsed time.Duration) {
	s := rep.sum(elapsed)
	if n := len(rep.timeline); n > 0 && s.Elapsed-rep.timeline[n-1].Elapsed < rep.r.p.Interval/10 {
		rep.timeline[n-1] = s // too short to be a point of its own
		return
	}
	rep.add(s, false)
}

func (rep *reporter) add(s Sample, notify bool) {
	var prev Sample
	if n := len(rep.timeline); n > 0 {
		prev = rep.timeline[n-1]
	}
	rep.timeline = append(rep.timeline, s)
	if notify && rep.r.p.Progress != nil {
		rep.r.p.Progress(Progress{
			Elapsed:  s.Elapsed,
			Requests: s.Requests,
			Errors:   s.Errors,
			Bytes:    s.Bytes,
			Rate:     float64(s.Requests-prev.Requests) / (s.Elapsed - prev.Elapsed).Seconds(),
		})
	}
}
