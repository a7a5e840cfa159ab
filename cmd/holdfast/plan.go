package main

import (
	"flag"
	"fmt"
	"io"
	"slices"

	"holdfast/internal/config"
	"holdfast/proxy"
)

// A configuration file becomes what serve and proxy build from their
// flags: each listener a frontConfig, each upstream group a proxyConfig,
// set through the very flag definitions the command line goes through
// (frontFlags, proxyFlags), so that names, defaults and limits are the
// flags'. holdfast check stops at the plan; holdfast run starts it.

// plan is a checked file, ready to start.
type plan struct {
	file      *config.File
	process   frontConfig // the top level's flags: admin, drain-timeout, logs
	listeners []listenerPlan
	groups    []groupPlan
}

// listenerPlan is one listener: its front side as serve's flags would
// set it, and its routes.
type listenerPlan struct {
	spec  *config.Listener
	front frontConfig
}

// groupPlan is one upstream group as proxy's flags would set it.
type groupPlan struct {
	spec  *config.Upstream
	proxy proxyConfig
}

// loadPlan reads and checks the file at path and plans it.
func loadPlan(path string) (*plan, error) {
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return newPlan(f)
}

func newPlan(f *config.File) (*plan, error) {
	p := &plan{file: f}
	if err := p.process.set(f.Path, f.Settings); err != nil {
		return nil, err
	}
	for i := range f.Listeners {
		spec := &f.Listeners[i]
		lp := listenerPlan{spec: spec}
		if err := lp.front.set(f.Path, f.Settings, spec.Settings); err != nil {
			return nil, err
		}
		lp.front.listen = spec.Listen
		if err := lp.front.check(); err != nil {
			return nil, &config.Error{File: f.Path, Pos: spec.Pos, Path: fmt.Sprintf("listeners[%d]", i), Msg: err.Error(), Kind: config.ErrBadValue}
		}
		p.listeners = append(p.listeners, lp)
	}
	for i := range f.Upstreams {
		spec := &f.Upstreams[i]
		gp := groupPlan{spec: spec}
		if err := gp.proxy.set(f.Path, spec); err != nil {
			return nil, err
		}
		p.groups = append(p.groups, gp)
	}
	return p, nil
}

// set gives cfg the settings, in order, through serve's flags.
func (cfg *frontConfig) set(file string, settings ...[]config.Setting) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	frontFlags(fs, cfg)
	return setFlags(fs, file, slices.Concat(settings...))
}

// set gives cfg an upstream group's settings and URLs through proxy's
// flags.
func (cfg *proxyConfig) set(file string, spec *config.Upstream) error {
	fs := proxyFlags(cfg)
	fs.SetOutput(io.Discard)
	if err := setFlags(fs, file, spec.Settings); err != nil {
		return err
	}
	cfg.upstreams = slices.Clone(spec.URLs)
	return cfg.parseBalance()
}

// setFlags sets each setting's flag; a value the flag refuses (the file's
// checks should have refused it first) is an error at the value.
func setFlags(fs *flag.FlagSet, file string, settings []config.Setting) error {
	for _, s := range settings {
		if err := fs.Set(s.Flag, s.Value); err != nil {
			return &config.Error{File: file, Pos: s.Pos, Path: s.Key, Msg: fmt.Sprintf("%q: %v", s.Value, err), Kind: config.ErrBadValue}
		}
	}
	return nil
}

// proxyConfig is the group's proxy.Config, errors logged to log.
func (gp *groupPlan) config(logs *serveLogs) proxy.Config {
	return proxyConfigOf(&gp.proxy, logs.errors)
}
