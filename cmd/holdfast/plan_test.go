package main

import (
	"flag"
	"testing"

	"holdfast/internal/config"
)

// The file's keys stand for the flags: each key names a flag that exists,
// and every flag of serve and every upstream flag of proxy has a key, so
// that the file can say all the command line can; but for those the file
// says its own way.
func TestFileKeysAreTheFlags(t *testing.T) {
	keys := config.FlagKeys()
	serve, proxy := serveFlags(&serveConfig{}), proxyFlags(&proxyConfig{})
	inFile := map[string]bool{}
	for section, fs := range map[string]*flag.FlagSet{"top": serve, "listener": serve, "upstream": proxy} {
		for key, name := range keys[section] {
			if fs.Lookup(name) == nil {
				t.Errorf("%s key %s names --%s, which %s does not have", section, key, name, fs.Name())
			}
			inFile[name] = true
		}
	}
	ownWay := map[string]string{
		"listen":     "a listener's listen",
		"pid-file":   "the top level's pid-file",
		"upgradable": "none: holdfast run reloads in place instead",
	}
	serve.VisitAll(func(f *flag.Flag) {
		if ownWay[f.Name] == "" && !inFile[f.Name] {
			t.Errorf("serve's --%s has no key in the file", f.Name)
		}
	})
	proxy.VisitAll(func(f *flag.Flag) {
		if serve.Lookup(f.Name) == nil && f.Name != "upstream" && !inFile[f.Name] {
			t.Errorf("proxy's --%s has no key in the file", f.Name)
		}
	})
}

// A file's settings reach the same configuration as the flags: a
// listener's policy, a group's proxy.Config; defaults where the file says
// nothing.
func TestPlanMatchesFlags(t *testing.T) {
	dir := siteDir(t)
	path := writeConfig(t, dir, "drain-timeout: 12s\nlisteners:\n  - listen: 127.0.0.1:0\n    idle-timeout: 90\n    max-requests: 0\n    routes:\n      - static: one\n"+
		"      - path: /api/\n        upstream: app\nupstreams:\n  app:\n    urls: [http://127.0.0.1:1]\n    balance: round-robin\n    retries: 0\n")
	p, err := loadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := parseServeArgs([]string{"--listen", "127.0.0.1:0", "--drain-timeout", "12s", "--idle-timeout", "90", "--max-requests", "0"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.listeners[0].front.resolvedPolicy(), flags.resolvedPolicy(); got != want {
		t.Errorf("policy from the file %+v\nfrom the flags %+v", got, want)
	}
	if p.process.drainTimeout != flags.drainTimeout {
		t.Errorf("drain-timeout %v, flags %v", p.process.drainTimeout, flags.drainTimeout)
	}
	proxyFlagsCfg, err := parseProxyArgs([]string{"--upstream", "http://127.0.0.1:1", "--balance", "round-robin", "--upstream-retries", "0"})
	if err != nil {
		t.Fatal(err)
	}
	got, want := proxyConfigOf(&p.groups[0].proxy, nil), proxyConfigOf(proxyFlagsCfg, nil)
	if got.Balance != want.Balance || got.Retries != want.Retries || got.IdleTimeout != want.IdleTimeout || len(got.Upstreams) != 1 {
		t.Errorf("group from the file %+v\nfrom the flags %+v", got, want)
	}
}
