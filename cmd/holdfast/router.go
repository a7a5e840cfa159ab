package main

import (
	"cmp"
	"net"
	"net/http"
	"slices"
	"strings"

	"holdfast/internal/config"
)

// router answers a listener's requests by its routes: the route of the
// request's host (its own name first, then a *.name that covers it, then
// the routes for any host) with the longest path prefix that takes the
// request's path. A router does not change; a reload makes a new one.
type router struct {
	routes []route // in the order they are tried
}

// route is a config.Route with its handler.
type route struct {
	host    string // "" for any host
	under   bool   // host is "*.name": the names under name
	path    string
	handler http.Handler
}

// newRouter makes the router of routes; group gives an upstream group's
// handler by name.
func newRouter(routes []config.Route, group func(name string) http.Handler) *router {
	rt := &router{}
	for _, r := range routes {
		host, under := strings.CutPrefix(r.Host, "*.")
		rt.routes = append(rt.routes, route{host: host, under: under, path: r.Path, handler: routeHandler(r, group)})
	}
	slices.SortStableFunc(rt.routes, func(a, b route) int {
		if c := cmp.Compare(a.hostRank(), b.hostRank()); c != 0 {
			return c
		}
		return cmp.Compare(len(b.path), len(a.path))
	})
	return rt
}

// hostRank orders routes: a host's own name, then *.name, then any host.
func (r *route) hostRank() int {
	switch {
	case r.host == "":
		return 2
	case r.under:
		return 1
	}
	return 0
}

func routeHandler(r config.Route, group func(string) http.Handler) http.Handler {
	switch {
	case r.Static != "":
		files := http.FileServer(http.Dir(r.Static))
		if prefix := strings.TrimSuffix(r.Path, "/"); prefix != "" {
			return http.StripPrefix(prefix, files)
		}
		return files
	case r.Upstream != "":
		return group(r.Upstream)
	}
	return redirect{to: r.Redirect, prefix: strings.TrimSuffix(r.Path, "/"), status: r.Status}
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := requestHost(r)
	for i := range rt.routes {
		if rt.routes[i].takes(host, r.URL.Path) {
			rt.routes[i].handler.ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "404 no route for this host and path", http.StatusNotFound)
}

// takes reports whether the route takes a request for host and path.
func (r *route) takes(host, path string) bool {
	switch {
	case r.host == "":
	case r.under && !strings.HasSuffix(host, "."+r.host):
		return false
	case !r.under && host != r.host:
		return false
	}
	rest, ok := strings.CutPrefix(path, r.path)
	return ok && (rest == "" || strings.HasSuffix(r.path, "/") || rest[0] == '/')
}

// requestHost is the request's host, lower case, without its port.
func requestHost(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// redirect answers with the route's URL followed by the rest of the path
// (after the route's prefix) and the query.
type redirect struct {
	to, prefix string
	status     int
}

func (rd redirect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	location := rd.to + strings.TrimPrefix(r.URL.EscapedPath(), rd.prefix)
	if r.URL.RawQuery != "" {
		location += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, location, rd.status)
}
