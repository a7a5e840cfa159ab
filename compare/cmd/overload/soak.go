package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"holdfast/compare/internal/crowd"
	"holdfast/compare/internal/idle"
)

// shortConns is the connections of the connection-per-request clients.
const shortConns = 16

// soakConfig is the soak's mix.
type soakConfig struct {
	conns        int // connections open at once over every client
	slow         int // of them, slow-header connections
	shortRate    int // connection-per-request requests per second
	duration     time.Duration
	every        time.Duration // between samples
	warmUp       time.Duration // samples before this are the warm-up
	lifetime     time.Duration // idle keep-alive clients' connection lifetime
	requestEvery time.Duration // idle keep-alive clients' time between requests
}

// idleConns is the idle keep-alive clients' share of the connections: what
// the keep-alive load, the short clients and the slow ones leave.
func (c soakConfig) idleConns(good int) int { return c.conns - c.slow - good - shortConns }

func (c soakConfig) check(good int) error {
	if c.idleConns(good) < 0 || c.slow < 0 {
		return fmt.Errorf("-soak-conns %d is fewer than -soak-slow %d + -good %d + %d short connections", c.conns, c.slow, good, shortConns)
	}
	return nil
}

// soakResult is one server's soak.
type soakResult struct {
	server      string
	points      []point
	keep, short benchResult
	idle, slow  crowd.Tally
	idleConns   int
	closes      map[string]int64 // holdfast: closes by reason over the soak
	cpuShare    float64          // the server's CPU over the soak, of one core
	others      float64          // other processes' CPU on the server's CPU; -1 unknown
}

// soak churns the mix against a fresh t for the soak's duration, sampling
// the server every soak.every.
func (e *env) soak(t target) (soakResult, error) {
	cfg := e.cfg
	r := soakResult{server: t.name, idleConns: cfg.soak.idleConns(cfg.good)}
	s, err := e.start(t)
	if err != nil {
		return r, err
	}
	defer s.stop()
	sources, err := idle.ParseSources(cfg.sources)
	if err != nil {
		return r, err
	}
	idleCrowd := crowd.New(crowd.Config{Addr: s.addr, Path: path, Sources: sources, Kind: crowd.KeepAlive,
		N: r.idleConns, Rate: 1000, Interval: cfg.soak.requestEvery, Lifetime: cfg.soak.lifetime})
	slowCrowd := crowd.New(crowd.Config{Addr: s.addr, Path: path, Sources: sources, Kind: crowd.SlowHeaders,
		N: cfg.soak.slow, Rate: 500, Interval: cfg.slowInterval})
	before, _ := s.stats()
	watch := e.watchCPU(s)
	ctx, cancel := context.WithCancel(context.Background())
	var crowds sync.WaitGroup
	crowds.Go(func() { idleCrowd.Run(ctx) })
	crowds.Go(func() { slowCrowd.Run(ctx) })
	sampling := newSampler(s, idleCrowd, slowCrowd).every(ctx, cfg.soak.every, func(p point) {
		r.points = append(r.points, p)
		fmt.Printf("soak %s: %4.0fs RSS %.1f MiB, goroutines %d, threads %d, open %d, held by the crowds %d\n",
			t.name, p.at.Seconds(), float64(p.rssKiB)/1024, p.goroutines, p.threads, p.open, p.held)
	})
	var loads sync.WaitGroup
	var keepErr, shortErr error
	loads.Go(func() { r.keep, keepErr = e.bench(ctx, s.url(), cfg.soak.duration, cfg.good, cfg.goodRate) })
	loads.Go(func() {
		r.short, shortErr = e.bench(ctx, s.url(), cfg.soak.duration, shortConns, cfg.soak.shortRate, "--no-keepalive")
	})
	loads.Wait()
	r.cpuShare, r.others = watch.shares()
	after, _ := s.stats()
	cancel()
	<-sampling
	crowds.Wait()
	r.idle, r.slow = idleCrowd.Tally(), slowCrowd.Tally()
	r.closes = closesSince(before, after)
	if keepErr != nil {
		return r, keepErr
	}
	return r, shortErr
}

// drift compares the first sample at or after the warm-up with the last:
// the change of f over the rest of the run, absolute and in percent, and
// the largest value after the warm-up. ok is false if no sample follows
// the warm-up.
func drift(points []point, warmUp time.Duration, f func(point) int64) (from, to, peak int64, pct float64, ok bool) {
	var after []point
	for _, p := range points {
		if p.at >= warmUp {
			after = append(after, p)
		}
	}
	if len(after) < 2 {
		return 0, 0, 0, 0, false
	}
	from, to = f(after[0]), f(after[len(after)-1])
	for _, p := range after {
		peak = max(peak, f(p))
	}
	if from != 0 {
		pct = 100 * float64(to-from) / float64(from)
	}
	return from, to, peak, pct, true
}
