package proxypeer

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"holdfast/internal/testrig"
)

// Peer is one reverse proxy, as a list of peers names it: "nginx",
// "haproxy", "caddy", "httputil", "holdfast:ENGINE".
type Peer struct {
	Name   string
	Kind   string
	Engine string // holdfast only
}

// Kinds are the proxies this package runs.
var Kinds = []string{"nginx", "haproxy", "caddy", "httputil", "holdfast"}

// Parse reads a comma-separated list of peers.
func Parse(list string) ([]Peer, error) {
	var out []Peer
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		kind, engine, _ := strings.Cut(f, ":")
		if !known(kind) || engine != "" && kind != "holdfast" {
			return nil, fmt.Errorf("unknown proxy %q (want %s; holdfast:ENGINE)", f, strings.Join(Kinds, ", "))
		}
		out = append(out, Peer{Name: f, Kind: kind, Engine: engine})
	}
	return out, nil
}

func known(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// IsGo reports whether the peer is a Go program (run with GOMAXPROCS set).
func (p Peer) IsGo() bool { return p.Kind == "caddy" || p.Kind == "httputil" || p.Kind == "holdfast" }

// Bins are the programs the peers run as.
type Bins struct {
	Nginx, HAProxy, Caddy string
	Peer                  string // compare's cmd/peer, for httputil and holdfast
}

// FindBins looks the installed proxies up; a missing one is "".
func FindBins() Bins {
	var b Bins
	b.Nginx, _ = testrig.FindNginx()
	b.HAProxy = lookPath("haproxy", "/usr/sbin/haproxy")
	b.Caddy = lookPath("caddy", "/usr/bin/caddy")
	return b
}

func lookPath(name, fallback string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(fallback); err == nil {
		return fallback
	}
	return ""
}

// Packages are the Debian packages of the proxies, for apt-get.
var Packages = map[string]string{"nginx": "nginx-light", "haproxy": "haproxy", "caddy": "caddy"}

// Missing names the peers whose program is not installed.
func Missing(peers []Peer, b Bins) []string {
	var out []string
	for _, p := range peers {
		if p.bin(b) == "" && p.Kind != "httputil" && p.Kind != "holdfast" {
			out = append(out, p.Kind)
		}
	}
	return out
}

func (p Peer) bin(b Bins) string {
	switch p.Kind {
	case "nginx":
		return b.Nginx
	case "haproxy":
		return b.HAProxy
	case "caddy":
		return b.Caddy
	}
	return b.Peer
}

// ErrNotInstalled is returned by Command for a proxy that is not installed.
var ErrNotInstalled = errors.New("proxypeer: not installed")

// Options are what a run asks of a peer besides its addresses.
type Options struct {
	// NoFile is the open-file limit the peer runs under (nginx's
	// worker_rlimit_nofile follows it). Default 1024.
	NoFile int
	// Workers is nginx's worker_processes (default 1, no master).
	Workers int
}

// Command writes p's configuration into dir, for listening on addr and
// passing every request to upstream (host:port), and returns the command
// line that runs it in the foreground and what it needs in its
// environment.
func (p Peer) Command(b Bins, dir, addr, upstream string, o Options) (argv, env []string, err error) {
	if p.bin(b) == "" {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotInstalled, p.Kind)
	}
	switch p.Kind {
	case "nginx":
		argv, err = nginxCommand(b.Nginx, dir, addr, upstream, o)
	case "haproxy":
		argv, err = haproxyCommand(b.HAProxy, dir, addr, upstream, o)
	case "caddy":
		argv, env, err = caddyCommand(b.Caddy, dir, addr, upstream)
	case "httputil":
		argv = []string{b.Peer, "-server", "httputil", "-addr", addr, "-upstream", "http://" + upstream}
	case "holdfast":
		argv = []string{b.Peer, "-server", "holdfast-proxy", "-addr", addr, "-upstream", "http://" + upstream}
		if p.Engine != "" {
			argv = append(argv, "-engine", p.Engine)
		}
	}
	return argv, env, err
}

// nginxCommand: the harness's nginx (one process, keepalive_timeout 300s,
// keepalive_requests 100000, access log off) with location / passed to an
// upstream block keeping up to 64 idle connections per worker, over
// HTTP/1.1 without the client's Connection field, as nginx's documentation
// asks for upstream keep-alive.
func nginxCommand(bin, dir, addr, upstream string, o Options) ([]string, error) {
	return testrig.NginxConfig{
		Bin: bin, Dir: dir, NoFile: o.NoFile, Workers: o.Workers,
		Directives: "upstream backend { server " + upstream + "; keepalive 64; keepalive_requests 100000; }",
		Location:   `proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";`,
	}.Command(addr)
}

// haproxyCommand: one thread, HTTP mode with keep-alive on both sides,
// http-reuse safe (idle upstream connections are shared between client
// connections, but a connection's first request never goes on one),
// timeouts longer than any run.
func haproxyCommand(bin, dir, addr, upstream string, o Options) ([]string, error) {
	nofile := o.NoFile
	if nofile == 0 {
		nofile = 1024
	}
	conf := fmt.Sprintf(`global
    nbthread 1
    maxconn %d
    pidfile %s/haproxy.pid

defaults
    mode http
    option http-keep-alive
    http-reuse safe
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
    timeout http-request 20s

frontend bench
    bind %s
    default_backend upstream

backend upstream
    server up %s
`, nofile/2-16, dir, addr, upstream)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	return []string{bin, "-db", "-f", path}, nil
}

// caddyCommand: the Caddyfile's reverse_proxy to the upstream, plain HTTP,
// no admin endpoint, no access log, Caddy's default transport (keep-alive
// on, 32 idle connections per host).
func caddyCommand(bin, dir, addr, upstream string) ([]string, []string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	conf := fmt.Sprintf(`{
	admin off
	auto_https off
}

http://%s {
	bind %s
	reverse_proxy %s
}
`, addr, host, upstream)
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, nil, err
	}
	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	return []string{bin, "run", "--config", path, "--adapter", "caddyfile"}, env, nil
}

// Version is the peer's version line, for reports.
func (p Peer) Version(b Bins) string {
	switch p.Kind {
	case "nginx":
		return strings.TrimPrefix(firstLine(b.Nginx, "-v"), "nginx version: ")
	case "haproxy":
		v, _, _ := strings.Cut(firstLine(b.HAProxy, "-v"), " - ")
		return v
	case "caddy":
		return "caddy " + firstLine(b.Caddy, "version")
	}
	return p.Name
}

func firstLine(bin string, args ...string) string {
	out, _ := exec.Command(bin, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}
