package probe

import (
	"context"
	"math"
	"sync"
	"time"
)

// Idle is the measured idle timeout: how long the server keeps a
// connection on which nothing happens after a response.
type Idle struct {
	Found      bool
	Timeout    time.Duration
	Resolution time.Duration // the true value is within Timeout ± Resolution
	ClosedBy   string        // FIN, RST, or "lazy": closed only when the next request came
	Status     int           // a response sent as it closed (408), 0 when none
	Error      string
}

// activeResolution is the error of timing a FIN: scheduling on both
// sides, well under the 0.5 s the audit promises.
const activeResolution = 10 * time.Millisecond

// probeIdle runs two searches at once and takes the first answer. The
// primary waits on one connection for the server to close it, which times
// an active close exactly. The bisection finds servers that never close
// an idle connection but refuse it when it is used again; it is slower,
// so it only decides when the primary saw nothing.
func probeIdle(ctx context.Context, t *target, cfg *Config) Idle {
	ctx, cancel := context.WithCancel(ctx)
	results := make(chan Idle, 2)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // the loser is called off, not waited for
	wg.Go(func() { results <- idlePrimary(ctx, t, cfg) })
	wg.Go(func() { results <- idleBisect(ctx, t, cfg) })
	first := <-results
	if first.Found || first.Error != "" {
		return first
	}
	second := <-results
	if second.Found || second.Error != "" {
		return second
	}
	return first
}

// idlePrimary waits, after one response, for the server to close.
func idlePrimary(ctx context.Context, t *target, cfg *Config) Idle {
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		return Idle{Error: err.Error()}
	}
	defer c.close()
	resp, err := c.roundTrip(t.request(reqOpts{}), "GET", cfg.Timeout)
	if err != nil {
		return Idle{Error: err.Error()}
	}
	if !resp.Persistent {
		return Idle{Error: "the server closes HTTP/1.1 connections after each response"}
	}
	ev, at := c.watch(resp.End.Add(cfg.MaxWait))
	var status int
	if ev == gotData {
		// Some servers answer 408 as they drop an idle connection.
		if r, err := c.readResponse("GET", at.Add(cfg.Timeout)); err == nil {
			status = r.Status
		}
		ev, _ = c.watch(time.Now().Add(settle))
	}
	if ev != gotFIN && ev != gotRST {
		return Idle{}
	}
	return Idle{Found: true, Timeout: at.Sub(resp.End), Resolution: activeResolution, ClosedBy: ev.String(), Status: status}
}

// Bisection parameters: the first round spreads bisectFirst idle times
// geometrically from bisectLow to MaxWait, so whatever the timeout, it
// falls between two times whose ratio is the same; the second round
// spreads bisectSecond times evenly inside that bracket. With the default
// MaxWait the bracket's ratio is about 2.2, and the second round narrows
// it to about ±6 % of the timeout.
const (
	bisectLow    = 500 * time.Millisecond
	bisectFirst  = 8
	bisectSecond = 10
)

func idleBisect(ctx context.Context, t *target, cfg *Config) Idle {
	low := min(bisectLow, cfg.MaxWait/bisectFirst)
	var first []time.Duration
	ratio := math.Pow(float64(cfg.MaxWait)/float64(low), 1/float64(bisectFirst-1))
	for i := range bisectFirst {
		first = append(first, time.Duration(float64(low)*math.Pow(ratio, float64(i))))
	}
	a, b, ok := bracket(ctx, t, cfg, first, 0)
	if !ok {
		return Idle{}
	}
	var second []time.Duration
	for i := 1; i <= bisectSecond; i++ {
		second = append(second, a+(b-a)*time.Duration(i)/(bisectSecond+1))
	}
	if a2, b2, ok := bracket(ctx, t, cfg, second, a); ok {
		a, b = a2, b2
	}
	if ctx.Err() != nil {
		return Idle{}
	}
	return Idle{Found: true, Timeout: (a + b) / 2, Resolution: (b - a) / 2, ClosedBy: "lazy"}
}

// bracket idles one connection for each duration in ds (ascending), in
// parallel, and returns the longest duration the connection survived
// below the shortest one it did not (floor when none survived). It returns
// as soon as that is known, without waiting for the longer idles.
func bracket(ctx context.Context, t *target, cfg *Config, ds []time.Duration, floor time.Duration) (alive, dead time.Duration, ok bool) {
	ctx, cancel := context.WithCancel(ctx)
	type verdict struct {
		i        int
		survived bool
		valid    bool
	}
	verdicts := make(chan verdict, len(ds))
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // longer idles are not needed once decided
	for i, d := range ds {
		wg.Go(func() {
			survived, valid := survivesIdle(ctx, t, cfg, d)
			verdicts <- verdict{i, survived, valid}
		})
	}
	state := make([]int, len(ds)) // 0 unknown, 1 survived, 2 dropped, 3 no verdict
	for range ds {
		v := <-verdicts
		state[v.i] = 1
		if !v.valid {
			state[v.i] = 3
		} else if !v.survived {
			state[v.i] = 2
		}
		if a, b, done := decided(state, ds, floor); done {
			return a, b, true
		}
	}
	return 0, 0, false
}

// decided finds the first dropped connection; the bracket is known once
// every shorter idle has a verdict.
func decided(state []int, ds []time.Duration, floor time.Duration) (alive, dead time.Duration, done bool) {
	alive = floor
	for i, s := range state {
		switch s {
		case 0:
			return 0, 0, false
		case 1:
			alive = ds[i]
		case 2:
			return alive, ds[i], true
		}
	}
	return 0, 0, false
}

// survivesIdle reports whether a connection left idle for d after a
// response still answers a request. valid is false when the check could
// not be made (a failure before the idle, or the search was called off).
func survivesIdle(ctx context.Context, t *target, cfg *Config, d time.Duration) (survived, valid bool) {
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		return false, false
	}
	defer c.close()
	req := t.request(reqOpts{})
	resp, err := c.roundTrip(req, "GET", cfg.Timeout)
	if err != nil || !resp.Persistent {
		return false, false
	}
	if ev, _ := c.watch(resp.End.Add(d)); ev != stillOpen {
		return false, ctx.Err() == nil // closed (or spoke) before d
	}
	if ctx.Err() != nil {
		return false, false
	}
	_, err = c.roundTrip(req, "GET", cfg.Timeout)
	return err == nil, ctx.Err() == nil
}
