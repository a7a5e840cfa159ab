package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
)

// crossCheck checks what no single value shows: two listeners on one
// address, the admin listener on a listener's, routes naming groups that
// are not defined, a route given twice, TLS keys that do not go together.
func (d *decoder) crossCheck(f *File) {
	d.checkAddresses(f)
	groups := map[string]bool{}
	for _, u := range f.Upstreams {
		groups[u.Name] = true
	}
	for i := range f.Listeners {
		l := &f.Listeners[i]
		path := fmt.Sprintf("listeners[%d]", i)
		d.checkTLS(l, path)
		d.checkRoutes(l, path, groups, f.Upstreams)
	}
}

// checkAddresses refuses two listeners, or a listener and the admin
// listener, that would bind the same port: the same host, or a wildcard
// host and any other.
func (d *decoder) checkAddresses(f *File) {
	type bound struct {
		addr string
		pos  Pos
		what string
	}
	var seen []bound
	if s, ok := f.Setting("admin"); ok {
		seen = append(seen, bound{s.Value, s.Pos, "the admin listener"})
	}
	for i, l := range f.Listeners {
		if l.Listen == "" {
			continue
		}
		for _, b := range seen {
			if sameSocket(b.addr, l.Listen) {
				d.fail(l.Pos, fmt.Sprintf("listeners[%d].listen", i), ErrDuplicate,
					"%s is also the address of %s (line %d); expected an address of its own", l.Listen, b.what, b.pos.Line)
				break
			}
		}
		seen = append(seen, bound{l.Listen, l.Pos, fmt.Sprintf("listeners[%d]", i)})
	}
}

// sameSocket reports whether two addresses would bind the same port.
// Port 0 picks a free port each time: it never clashes.
func sameSocket(a, b string) bool {
	hostA, portA, errA := net.SplitHostPort(a)
	hostB, portB, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || portA != portB || portA == "0" {
		return false
	}
	return hostA == hostB || wildcard(hostA) || wildcard(hostB)
}

func wildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

// checkTLS refuses TLS keys that do not go together, and a certificate
// and key that do not load.
func (d *decoder) checkTLS(l *Listener, path string) {
	cert, hasCert := l.Setting("tls-cert")
	key, hasKey := l.Setting("tls-key")
	self, hasSelf := l.Setting("tls-self-signed")
	noH2, hasNoH2 := l.Setting("no-h2")
	selfSigned := hasSelf && self.Value == "true"
	switch {
	case hasCert && !hasKey:
		d.fail(cert.Pos, path+".tls-cert", ErrMissing, "tls-cert needs tls-key; expected both, or tls-self-signed: true")
	case hasKey && !hasCert:
		d.fail(key.Pos, path+".tls-key", ErrMissing, "tls-key needs tls-cert; expected both, or tls-self-signed: true")
	case hasCert && selfSigned:
		d.fail(self.Pos, path+".tls-self-signed", ErrBadValue, "tls-self-signed and tls-cert; expected one of them")
	case hasCert:
		if _, err := tls.LoadX509KeyPair(cert.Value, key.Value); err != nil {
			d.fail(cert.Pos, path+".tls-cert", ErrBadValue, "the certificate and key do not load: %v", err)
		}
	}
	if hasNoH2 && noH2.Value == "true" && !hasCert && !selfSigned {
		d.fail(noH2.Pos, path+".no-h2", ErrBadValue, "no-h2 needs HTTPS; expected tls-cert and tls-key, or tls-self-signed: true")
	}
}

// checkRoutes refuses a route given twice and one naming a group that is
// not defined.
func (d *decoder) checkRoutes(l *Listener, path string, groups map[string]bool, upstreams []Upstream) {
	seen := map[string]Pos{}
	for i, r := range l.Routes {
		rpath := fmt.Sprintf("%s.routes[%d]", path, i)
		id := r.Host + r.Path
		if first, dup := seen[id]; dup {
			d.fail(r.Pos, rpath, ErrDuplicate, "host %q and path %q are also those of the route at line %d; expected each route once", r.Host, r.Path, first.Line)
		}
		seen[id] = r.Pos
		if r.Upstream != "" && !groups[r.Upstream] {
			d.fail(r.upstreamAt, rpath+".upstream", ErrUnknownUpstream, "no upstream group %q; expected one of the groups under upstreams (%s)", r.Upstream, groupNames(upstreams))
		}
	}
}

func groupNames(upstreams []Upstream) string {
	if len(upstreams) == 0 {
		return "there are none"
	}
	var names []string
	for _, u := range upstreams {
		names = append(names, u.Name)
	}
	return strings.Join(names, ", ")
}
