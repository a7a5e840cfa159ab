package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/admin"
	"holdfast/proxy"
)

// site is holdfast run's configuration as it runs: a server per listener,
// a proxy per upstream group, one admin listener over all of them. A
// reload (reload.go) changes it in place; stop drains it.
type site struct {
	log     io.Writer // the command's lines: serving, reloaded, draining
	logs    *serveLogs
	started time.Time
	servers serverGroup // what the admin listener shows
	admin   *holdfast.Server
	ready   atomic.Bool // /ready answers 200 while set

	mu        sync.Mutex                   // held by a reload and by stop
	plan      *plan                        // guarded by mu; in force
	listeners []*liveListener              // guarded by mu; in the order of plan's
	groups    map[string]*liveGroup        // guarded by mu; by name
	groupList atomic.Pointer[[]*liveGroup] // the groups in force, in the file's order, for the admin listener
	retiring  sync.WaitGroup               // listeners draining and groups closing after a reload
}

// startSite starts every listener and group of p, and the admin listener;
// on an error it stops what it started.
func startSite(p *plan, log io.Writer) (*site, error) {
	s := &site{log: log, started: time.Now(), plan: p, groups: map[string]*liveGroup{}}
	logs, err := openLogs(&p.process, log)
	if err != nil {
		return nil, err
	}
	s.logs = logs
	if err := s.start(); err != nil {
		s.closeAll()
		logs.close()
		return nil, err
	}
	s.ready.Store(true)
	return s, nil
}

func (s *site) start() error {
	for i := range s.plan.groups {
		g, err := startGroup(&s.plan.groups[i], s.logs)
		if err != nil {
			return fmt.Errorf("upstream group %s: %w", s.plan.groups[i].spec.Name, err)
		}
		s.groups[g.spec.Name] = g
	}
	s.publishGroups()
	for i := range s.plan.listeners {
		lp := &s.plan.listeners[i]
		ll, err := startListener(lp, s.router(lp, s.groups), s.logs, s.log)
		if err != nil {
			return err
		}
		s.listeners = append(s.listeners, ll)
	}
	s.servers.set(s.serverList())
	if s.plan.process.admin != "" {
		if err := s.startAdmin(); err != nil {
			return err
		}
	}
	return s.writePIDFile()
}

// router makes the router of a listener's routes, with the groups given.
func (s *site) router(lp *listenerPlan, groups map[string]*liveGroup) *router {
	return newRouter(lp.spec.Routes, func(name string) http.Handler { return groups[name] })
}

func (s *site) serverList() []*holdfast.Server {
	out := make([]*holdfast.Server, len(s.listeners))
	for i, ll := range s.listeners {
		out[i] = ll.srv
	}
	return out
}

// publishGroups lets the admin listener see the groups in force.
func (s *site) publishGroups() {
	list := make([]*liveGroup, 0, len(s.groups))
	for _, gp := range s.plan.groups {
		list = append(list, s.groups[gp.spec.Name])
	}
	s.groupList.Store(&list)
}

func (s *site) startAdmin() error {
	opts := []admin.Option{admin.WithUpstreams(s.upstreams), admin.WithCollectors(upstreamCollector(s.upstreamSources))}
	a, addr, err := startAdmin(holdfast.Listen, s.plan.process.admin, &s.servers, s.started, s.ready.Load, s.logs.errors, opts)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	s.admin = a
	fmt.Fprintf(s.log, "holdfast: admin on http://%s (live page at /, /metrics, /stats, /connections, /upstreams, /ready, /live)\n", addr)
	return nil
}

// groupUpstream is one upstream in holdfast run's /upstreams: its
// figures, and the group it belongs to.
type groupUpstream struct {
	Group string `json:"group"`
	proxy.UpstreamStats
}

// upstreams lists the upstreams of every group in force, in the file's
// order.
func (s *site) upstreams() []groupUpstream {
	var out []groupUpstream
	for _, g := range *s.groupList.Load() {
		for _, u := range g.proxy.Upstreams() {
			out = append(out, groupUpstream{g.spec.Name, u})
		}
	}
	return out
}

// upstreamSources lists the groups in force for /metrics.
func (s *site) upstreamSources() []upstreamSource {
	var out []upstreamSource
	for _, g := range *s.groupList.Load() {
		out = append(out, upstreamSource{proxy: g.proxy, group: g.spec.Name, checked: g.checked})
	}
	return out
}

func (s *site) writePIDFile() error {
	path := s.plan.file.PIDFile
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pid-file: %w", err)
	}
	return nil
}

// stop drains the site: /ready answers 503 for the file's drain-delay,
// then every listener drains within drain-timeout, then the groups and
// the admin listener close.
func (s *site) stop() error {
	s.ready.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.plan.file.DrainDelay; d > 0 {
		fmt.Fprintf(s.log, "holdfast: not ready; draining in %s\n", d)
		s.endKeepAlive()
		time.Sleep(d)
	}
	fmt.Fprintln(s.log, "holdfast: draining connections")
	err := s.drainListeners(s.listeners, s.plan.process.drainTimeout)
	s.retiring.Wait()
	s.closeAll()
	if s.plan.file.PIDFile != "" {
		os.Remove(s.plan.file.PIDFile)
	}
	s.logs.close()
	return err
}

// endKeepAlive makes every connection close after its next response,
// while the listeners still serve: through drain-delay, clients whose
// connections the balancer had sent here move to another instance at a
// response's end, never in the middle of a request.
func (s *site) endKeepAlive() {
	for _, ll := range s.listeners {
		p := ll.front.resolvedPolicy()
		p.KeepAlive = holdfast.Off
		if err := ll.srv.SetPolicy(p); err != nil {
			s.logs.errors.Warn("drain-delay: keep-alive off", "listen", ll.front.listen, "err", err)
		}
	}
}

// drainListeners drains listeners at once, each within timeout.
func (s *site) drainListeners(listeners []*liveListener, timeout time.Duration) error {
	errs := make([]error, len(listeners))
	var wg sync.WaitGroup
	for i, ll := range listeners {
		wg.Go(func() {
			errs[i] = ll.drain(timeout)
			s.servers.retire(ll.srv)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// closeAll closes the groups and the admin listener, and what the
// listeners did not drain.
func (s *site) closeAll() {
	for _, ll := range s.listeners {
		ll.srv.Close()
	}
	for _, g := range s.groups {
		g.proxy.Close()
	}
	if s.admin != nil {
		s.admin.Close()
	}
}
