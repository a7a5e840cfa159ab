package main

import (
	"context"
	"time"

	"holdfast/compare/internal/crowd"
	"holdfast/compare/internal/idle"
)

// slowlorisResult is one server's slowloris hold-out.
type slowlorisResult struct {
	server       string
	base, attack benchResult // the well-behaved load alone, then under attack
	baseRSSKiB   int64       // the server's largest RSS in the baseline phase
	peakRSSKiB   int64       // its largest RSS under attack
	peakHeld     int64       // most slow connections open at once (client side)
	ramp         time.Duration
	cpuShare     float64          // the server's CPU over the attack phase, of one core
	othersBase   float64          // other processes' CPU on the server's CPU, baseline phase; -1 unknown
	othersAttack float64          // the same over the attack phase
	closes       map[string]int64 // holdfast: closes by reason during the attack
	slow         crowd.Tally
}

// p99Ratio is the good load's p99 under attack over its baseline p99.
func (r slowlorisResult) p99Ratio() float64 {
	if r.base.Latency.P99 == 0 {
		return 0
	}
	return r.attack.Latency.P99 / r.base.Latency.P99
}

// rssPerSlowKiB is the memory growth per slow connection held.
func (r slowlorisResult) rssPerSlowKiB() float64 {
	if r.peakHeld == 0 {
		return 0
	}
	return float64(r.peakRSSKiB-r.baseRSSKiB) / float64(r.peakHeld)
}

// slowloris runs the baseline phase, then the attack phase, on a fresh t.
func (e *env) slowloris(t target) (slowlorisResult, error) {
	r := slowlorisResult{server: t.name}
	s, err := e.start(t)
	if err != nil {
		return r, err
	}
	defer s.stop()
	ctx := context.Background()
	cfg := e.cfg
	if _, err := e.bench(ctx, s.url(), 3*time.Second, cfg.good, cfg.goodRate); err != nil { // warm-up, not reported
		return r, err
	}
	e.waitQuiet()
	watch := e.watchCPU(s)
	sm := newSampler(s)
	r.base, err = e.sampled(sm, func(p point) { r.baseRSSKiB = max(r.baseRSSKiB, p.rssKiB) }, func() (benchResult, error) {
		return e.bench(ctx, s.url(), cfg.duration, cfg.good, cfg.goodRate)
	})
	if err != nil {
		return r, err
	}
	_, r.othersBase = watch.shares()
	sources, err := idle.ParseSources(cfg.sources)
	if err != nil {
		return r, err
	}
	slow := crowd.New(crowd.Config{Addr: s.addr, Path: path, Sources: sources, Kind: crowd.SlowHeaders,
		N: cfg.attackers, Rate: cfg.rate, Interval: cfg.slowInterval})
	attackCtx, stopAttack := context.WithCancel(ctx)
	attackDone := make(chan struct{})
	go func() { slow.Run(attackCtx); close(attackDone) }()
	defer func() { stopAttack(); <-attackDone }()
	r.ramp = waitHeld(slow, cfg.attackers, time.Duration(cfg.attackers/max(cfg.rate, 1)+10)*time.Second)
	before, _ := s.stats()
	watch = e.watchCPU(s)
	sm = newSampler(s, slow)
	r.attack, err = e.sampled(sm, func(p point) {
		r.peakRSSKiB = max(r.peakRSSKiB, p.rssKiB)
		r.peakHeld = max(r.peakHeld, p.held)
	}, func() (benchResult, error) {
		return e.bench(ctx, s.url(), cfg.duration, cfg.good, cfg.goodRate)
	})
	if err != nil {
		return r, err
	}
	r.cpuShare, r.othersAttack = watch.shares()
	if after, err := s.stats(); err == nil {
		r.closes = closesSince(before, after)
	}
	stopAttack()
	<-attackDone
	r.slow = slow.Tally()
	return r, nil
}

// sampled runs load while sampling the server every second into f.
func (e *env) sampled(sm *sampler, f func(point), load func() (benchResult, error)) (benchResult, error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := sm.every(ctx, time.Second, f)
	res, err := load()
	cancel()
	<-done
	return res, err
}

// waitHeld waits until c holds n connections or limit passes, and returns
// how long it waited.
func waitHeld(c *crowd.Crowd, n int, limit time.Duration) time.Duration {
	start := time.Now()
	for c.Open() < int64(n) && time.Since(start) < limit {
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}
