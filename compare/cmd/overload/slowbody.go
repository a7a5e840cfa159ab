package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// slowbodyResult is one server's run beside slowhttptest -B.
type slowbodyResult struct {
	server     string
	good       benchResult
	cpuShare   float64
	peakRSSKiB int64
	closes     map[string]int64
}

// slowbodyArgv is slowhttptest in slow body mode for d: bodies of 64 KiB,
// under holdfast's drain limit, so that holdfast drains each body after its
// answer under --body-timeout and --min-body-rate (the site does not read
// bodies).
func slowbodyArgv(cfg config, url string) []string {
	return []string{"slowhttptest", "-B", "-s", "65536", "-c", strconv.Itoa(cfg.attackers), "-r", strconv.Itoa(cfg.rate),
		"-l", strconv.Itoa(int(cfg.duration.Seconds())), "-i", "5", "-x", "24", "-p", "3", "-u", url}
}

func (e *env) slowbody(t target) (slowbodyResult, error) {
	r := slowbodyResult{server: t.name}
	argv := slowbodyArgv(e.cfg, "")
	if _, err := exec.LookPath(argv[0]); err != nil {
		return r, fmt.Errorf("%s is not installed (apt-get install slowhttptest)", argv[0])
	}
	s, err := e.start(t)
	if err != nil {
		return r, err
	}
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.duration+time.Minute)
	defer cancel()
	argv = slowbodyArgv(e.cfg, s.url())
	attack := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if err := attack.Start(); err != nil {
		return r, err
	}
	defer attack.Wait()
	time.Sleep(2 * time.Second) // let the attack build up
	before, _ := s.stats()
	watch := e.watchCPU(s)
	r.good, err = e.sampled(newSampler(s), func(p point) { r.peakRSSKiB = max(r.peakRSSKiB, p.rssKiB) }, func() (benchResult, error) {
		return e.bench(ctx, s.url(), e.cfg.duration, e.cfg.good, e.cfg.goodRate)
	})
	r.cpuShare, _ = watch.shares()
	if after, err := s.stats(); err == nil {
		r.closes = closesSince(before, after)
	}
	return r, err
}
