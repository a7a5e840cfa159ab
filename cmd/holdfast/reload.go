package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"holdfast"
	"holdfast/internal/config"
)

// A reload reads the file again and, when it is good, changes the running
// site to it without closing a socket it keeps: a listener whose address
// stays keeps its socket and its connections, which take the new routes
// and policy from their next request; a new address starts listening; a
// listener whose address is gone drains (its socket closes, idle
// connections close, requests in flight finish). Upstream groups that
// stay as they were keep their pools; changed or removed ones close once
// their requests are done. A file that is wrong, or that changes what
// only a restart can (the admin address, the logs, the pid file, a
// listener's engine, TLS or body limit), changes nothing.

// reloadResult says what a reload did, for its line in the log.
type reloadResult struct {
	kept, added, removed int
}

// reload reads the file at path and applies it; on an error the site
// runs on as it was.
func (s *site) reload(path string) (reloadResult, error) {
	p, err := loadPlan(path)
	if err != nil {
		return reloadResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready.Load() {
		return reloadResult{}, errors.New("the server is stopping")
	}
	if err := s.fixedChanges(p); err != nil {
		return reloadResult{}, err
	}
	return s.apply(p)
}

// fixedChanges refuses a plan that changes what only a restart changes.
func (s *site) fixedChanges(p *plan) error {
	was, now := &s.plan.process, &p.process
	for _, c := range []struct {
		flag     string
		was, now string
	}{
		{"admin", was.admin, now.admin},
		{"log-format", was.logFormat, now.logFormat},
		{"log-level", was.logLevel, now.logLevel},
		{"access-log", was.accessLog, now.accessLog},
		{"connection-log", was.connectionLog, now.connectionLog},
		{"pid-file", s.plan.file.PIDFile, p.file.PIDFile},
	} {
		if c.was != c.now {
			return restartOnly(p.file, config.Pos{}, "", c.flag)
		}
	}
	var errs []error
	for i := range p.listeners {
		lp := &p.listeners[i]
		ll := s.listenerAt(lp.spec.Listen, nil)
		if ll == nil {
			continue
		}
		if flag := ll.fixedChange(lp); flag != "" {
			errs = append(errs, restartOnly(p.file, fixedSettingPos(lp.spec, flag), fmt.Sprintf("listeners[%d]", i), flag))
		}
	}
	return errors.Join(errs...)
}

// restartOnly is the error of a setting a reload cannot change.
func restartOnly(f *config.File, at config.Pos, path, flag string) error {
	if at == (config.Pos{}) {
		if s, ok := f.Setting(flag); ok {
			at = s.Pos
		}
	}
	return &config.Error{File: f.Path, Pos: at, Path: strings.TrimPrefix(path+"."+flag, "."),
		Msg: flag + " changes only when holdfast restarts; expected the running value", Kind: config.ErrBadValue}
}

// listenerAt is the running listener started on addr (as the file writes
// it) that taken does not hold yet, or nil.
func (s *site) listenerAt(addr string, taken map[*liveListener]bool) *liveListener {
	for _, ll := range s.listeners {
		if ll.front.listen == addr && !taken[ll] {
			return ll
		}
	}
	return nil
}

// apply changes the site to p: new groups and listeners start first, and
// only when all have started do the routes switch and the old ones go.
func (s *site) apply(p *plan) (reloadResult, error) {
	groups, fresh, err := s.nextGroups(p)
	if err != nil {
		return reloadResult{}, err
	}
	kept := map[*liveListener]bool{}
	next := make([]*liveListener, len(p.listeners))
	var started []*liveListener
	for i := range p.listeners {
		lp := &p.listeners[i]
		if ll := s.listenerAt(lp.spec.Listen, kept); ll != nil {
			kept[ll], next[i] = true, ll
			continue
		}
		ll, err := startListener(lp, s.router(lp, groups), s.logs, s.log)
		if err != nil {
			s.undo(started, fresh)
			return reloadResult{}, err
		}
		next[i], started = ll, append(started, ll)
	}
	for i, ll := range next {
		if !kept[ll] {
			continue
		}
		if err := ll.update(&p.listeners[i], s.router(&p.listeners[i], groups)); err != nil {
			s.logs.errors.Error("reload: listener partly updated", "listen", ll.front.listen, "err", err)
		}
	}
	res := reloadResult{kept: len(kept), added: len(started), removed: len(s.listeners) - len(kept)}
	s.retire(p, next, kept, groups)
	return res, nil
}

// nextGroups is the groups of p: those that stay as they were, and those
// it starts (fresh).
func (s *site) nextGroups(p *plan) (groups map[string]*liveGroup, fresh []*liveGroup, err error) {
	groups = map[string]*liveGroup{}
	for i := range p.groups {
		gp := &p.groups[i]
		if g := s.groups[gp.spec.Name]; g != nil && g.sameAs(gp) {
			groups[gp.spec.Name] = g
			continue
		}
		g, err := startGroup(gp, s.logs)
		if err != nil {
			s.undo(nil, fresh)
			return nil, nil, fmt.Errorf("upstream group %s: %w", gp.spec.Name, err)
		}
		groups[gp.spec.Name], fresh = g, append(fresh, g)
	}
	return groups, fresh, nil
}

// undo closes what a reload that failed had started.
func (s *site) undo(listeners []*liveListener, groups []*liveGroup) {
	for _, ll := range listeners {
		ll.srv.Close()
		<-ll.served
	}
	for _, g := range groups {
		g.proxy.Close()
	}
}

// retire puts p in force: the listeners that were not kept drain and the
// groups no route leads to any more close, both in the background.
func (s *site) retire(p *plan, next []*liveListener, kept map[*liveListener]bool, groups map[string]*liveGroup) {
	timeout := p.process.drainTimeout
	var gone []*liveListener
	for _, ll := range s.listeners {
		if !kept[ll] {
			gone = append(gone, ll)
		}
	}
	var closing []*liveGroup
	for name, g := range s.groups {
		if groups[name] != g {
			closing = append(closing, g)
		}
	}
	s.plan, s.listeners, s.groups = p, next, groups
	s.publishGroups()
	draining := make([]*holdfast.Server, len(gone))
	for i, ll := range gone {
		draining[i] = ll.srv
	}
	s.servers.drain(draining)
	s.servers.set(s.serverList())
	s.retiring.Go(func() {
		if err := s.drainListeners(gone, timeout); err != nil {
			s.logs.errors.Error("drain after reload", "err", err)
		}
		for _, g := range closing {
			g.retire(timeout)
		}
	})
}

// reloadLine says what a reload did.
func reloadLine(path string, res reloadResult, took time.Duration) string {
	return fmt.Sprintf("holdfast: reloaded %s: listeners: %d kept, %d started, %d draining (%s)",
		path, res.kept, res.added, res.removed, took.Round(time.Millisecond))
}
