package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// top reads the file's top level.
func (d *decoder) top(n ast.Node) *File {
	f := &File{Path: d.file}
	var listenersAt Pos
	known := keyNames(topKeys, topOnlyKeys)
	for _, p := range d.mapping(n, "", "the file's settings", Pos{1, 1}) {
		switch p.key {
		case "drain-delay":
			f.DrainDelay = d.duration(p)
		case "pid-file":
			if text, _, ok := d.scalar(p, "the path of a file"); ok {
				f.PIDFile = d.abs(text)
			}
		case "listeners":
			listenersAt = p.keyAt
			for i, item := range d.nonEmptySequence(p, "listeners") {
				f.Listeners = append(f.Listeners, d.listener(item, fmt.Sprintf("%s[%d]", p.path, i)))
			}
		case "upstreams":
			f.Upstreams = d.upstreams(p)
		default:
			d.flagKey(p, topKeys, "the top level", known, &f.Settings)
		}
	}
	if len(f.Listeners) == 0 && listenersAt == (Pos{}) {
		d.fail(Pos{1, 1}, "", ErrMissing, "no listeners: expected a key listeners with a list of listeners (listen: ADDR, routes: ...)")
	}
	return f
}

// flagKey reads a key that stands for a flag into settings, or reports
// it unknown.
func (d *decoder) flagKey(p pair, keys []key, what string, known []string, settings *[]Setting) {
	k, ok := lookupKey(keys, p.key)
	if !ok {
		d.unknownKey(p, what, known)
		return
	}
	if s, ok := d.setting(k, p); ok {
		*settings = append(*settings, s)
	}
}

// listener reads one item of listeners.
func (d *decoder) listener(n ast.Node, path string) Listener {
	var l Listener
	var routesAt Pos
	known := keyNames(listenerKeys, listenerOnlyKeys)
	pairs := d.mapping(n, path, "a listener", at(n))
	for _, p := range pairs {
		switch p.key {
		case "listen":
			if text, _, ok := d.scalar(p, "an address, host:port"); ok {
				l.Listen, l.Pos = text, valuePos(p)
				if err := checkAddress(text); err != nil {
					d.fail(l.Pos, p.path, ErrBadValue, "%s", err)
				}
			}
		case "routes":
			routesAt = p.keyAt
			for i, item := range d.nonEmptySequence(p, "routes") {
				l.Routes = append(l.Routes, d.route(item, fmt.Sprintf("%s[%d]", p.path, i)))
			}
		default:
			d.flagKey(p, listenerKeys, "a listener", known, &l.Settings)
		}
	}
	if pairs == nil {
		return l
	}
	if l.Pos == (Pos{}) {
		l.Pos = at(n)
		d.fail(at(n), path, ErrMissing, "the listener has no listen key; expected listen: host:port")
	}
	if len(l.Routes) == 0 && routesAt == (Pos{}) {
		d.fail(at(n), path, ErrMissing, "the listener has no routes; expected routes: a list of routes (path: /, static: DIR)")
	}
	return l
}

// route reads one item of a listener's routes.
func (d *decoder) route(n ast.Node, path string) Route {
	r := Route{Path: "/", Pos: at(n)}
	var targets []string
	var statusAt Pos
	pairs := d.mapping(n, path, "a route", at(n))
	for _, p := range pairs {
		text, _, ok := d.routeValue(p)
		if !ok {
			continue
		}
		switch p.key {
		case "host":
			r.Host = d.host(p, text)
		case "path":
			if !strings.HasPrefix(text, "/") {
				d.fail(valuePos(p), p.path, ErrBadValue, `%q; expected a path starting with "/"`, text)
			}
			r.Path = text
		case "static":
			targets = append(targets, p.key)
			if dir, err := d.existingDir(text); err != nil {
				d.fail(valuePos(p), p.path, ErrBadValue, "%s", err)
			} else {
				r.Static = dir
			}
		case "upstream":
			targets = append(targets, p.key)
			r.Upstream, r.upstreamAt = text, valuePos(p)
		case "redirect":
			targets = append(targets, p.key)
			r.Redirect = d.redirect(p, text)
		case "status":
			statusAt = valuePos(p)
			r.Status = d.status(p, text)
		}
	}
	if pairs == nil {
		return r
	}
	switch {
	case len(targets) == 0:
		d.fail(r.Pos, path, ErrMissing, "the route has no target; expected one of static: DIR, upstream: NAME, redirect: URL")
	case len(targets) > 1:
		d.fail(r.Pos, path, ErrBadValue, "the route has %s; expected one of static, upstream, redirect", strings.Join(targets, " and "))
	}
	if statusAt != (Pos{}) && r.Redirect == "" {
		d.fail(statusAt, join(path, "status"), ErrBadValue, "status goes with redirect only")
	}
	if r.Redirect != "" && r.Status == 0 {
		r.Status = 308
	}
	return r
}

// routeValue reads a route's key as a scalar, or reports it unknown.
func (d *decoder) routeValue(p pair) (string, bool, bool) {
	expected := map[string]string{
		"host": "a host name", "path": `a path starting with "/"`, "static": "the path of a directory",
		"upstream": "the name of an upstream group", "redirect": "a URL", "status": "301, 302, 303, 307 or 308",
	}[p.key]
	if expected == "" {
		d.unknownKey(p, "a route", routeKeys)
		return "", false, false
	}
	return d.scalar(p, expected)
}

// host checks a route's host: a name or address without a port, or
// *.name for the names under name.
func (d *decoder) host(p pair, text string) string {
	host := strings.ToLower(text)
	name := strings.TrimPrefix(host, "*.")
	if name == "" || strings.ContainsAny(name, ":/* ") {
		d.fail(valuePos(p), p.path, ErrBadValue, "%q; expected a host name without a port (example.com, *.example.com)", text)
	}
	return host
}

func (d *decoder) redirect(p pair, text string) string {
	u, err := url.Parse(text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		d.fail(valuePos(p), p.path, ErrBadValue, "%q; expected an http or https URL without a query (https://example.com, https://example.com/new)", text)
		return ""
	}
	return strings.TrimSuffix(text, "/")
}

func (d *decoder) status(p pair, text string) int {
	switch n, _ := strconv.Atoi(text); n {
	case 301, 302, 303, 307, 308:
		return n
	}
	d.fail(valuePos(p), p.path, ErrBadValue, "%q; expected a redirect status: 301, 302, 303, 307 or 308", text)
	return 0
}

// upstreams reads the upstream groups, a mapping of names to groups.
func (d *decoder) upstreams(p pair) []Upstream {
	var out []Upstream
	for _, g := range d.mapping(p.value, p.path, "upstream groups by name", p.keyAt) {
		out = append(out, d.upstream(g))
	}
	return out
}

// upstream reads one upstream group.
func (d *decoder) upstream(g pair) Upstream {
	u := Upstream{Name: g.key, Pos: g.keyAt}
	known := keyNames(upstreamKeys, upstreamOnlyKeys)
	pairs := d.mapping(g.value, g.path, "an upstream group", g.keyAt)
	for _, p := range pairs {
		if p.key != "urls" {
			d.flagKey(p, upstreamKeys, "an upstream group", known, &u.Settings)
			continue
		}
		seen := map[string]int{}
		for i, item := range d.sequence(p.value, p.path, "upstream URLs", p.keyAt) {
			at := pair{key: p.key, keyAt: p.keyAt, value: item, path: fmt.Sprintf("%s[%d]", p.path, i)}
			url := d.upstreamURL(at)
			if first, dup := seen[url]; dup && url != "" {
				d.fail(valuePos(at), at.path, ErrDuplicate, "%s is also urls[%d]; expected each upstream once", url, first)
			}
			seen[url] = i
			u.URLs = append(u.URLs, url)
		}
	}
	if pairs != nil && len(u.URLs) == 0 {
		d.fail(g.keyAt, g.path, ErrMissing, "the upstream group has no urls; expected urls: a list of http://host:port")
	}
	return u
}

// upstreamURL checks one URL of a group as holdfast proxy's --upstream.
func (d *decoder) upstreamURL(p pair) string {
	text, _, ok := d.scalar(p, "a URL, http://host[:port][/path]")
	if !ok {
		return ""
	}
	u, err := url.Parse(text)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		d.fail(valuePos(p), p.path, ErrBadValue, "%q; expected a URL http://host[:port][/path]", text)
	}
	return text
}
