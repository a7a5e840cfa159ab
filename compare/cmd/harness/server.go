package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"holdfast/compare/internal/launch"
	"holdfast/internal/testrig"
)

// server is one entry of -servers.
type server struct {
	Name   string // as reported: "nbio", "holdfast:epoll", "holdfast:epoll+metrics"
	Kind   string // nethttp, fasthttp, nbio, holdfast or nginx
	Engine string // holdfast only
	// Metrics (holdfast only, "+metrics"): the server runs its admin
	// listener and the harness scrapes its /metrics every second while
	// wrk runs, so that the cost of being watched shows beside the same
	// server unwatched.
	Metrics bool
}

var kinds = map[string]bool{"nethttp": true, "fasthttp": true, "nbio": true, "holdfast": true, "nginx": true, "baseline": true}

func parseServers(s string) ([]server, error) {
	var out []server
	for _, f := range splitList(s) {
		spec, metrics := strings.CutSuffix(f, "+metrics")
		kind, engine, _ := strings.Cut(spec, ":")
		if !kinds[kind] || (engine != "" && kind != "holdfast" && kind != "baseline") || (metrics && kind != "holdfast") {
			return nil, fmt.Errorf("unknown server %q", f)
		}
		out = append(out, server{Name: f, Kind: kind, Engine: engine, Metrics: metrics})
	}
	return out, nil
}

func (s server) isGo() bool { return s.Kind != "nginx" }

// running is a started server; the harness owns its process.
type running struct {
	server
	Addr  string
	Admin string // the admin listener's address, with Metrics
	PID   int
	TLS   bool // serves HTTPS with the harness's certificate
	proc  *launch.Process
	dir   string // temp dir: nginx config, pid and logs
}

// start launches a fresh server on a fresh port, pinned to the server CPU
// through taskset and given the open-file limit through prlimit.
func (h *harness) start(s server, pprofAddr string, tls bool) (*running, error) {
	dir, err := os.MkdirTemp("", "compare-"+s.Kind+"-")
	if err != nil {
		return nil, err
	}
	r := &running{server: s, dir: dir, TLS: tls}
	if r.Addr, err = testrig.FreeAddr(); err != nil {
		return nil, r.cleanup(err)
	}
	if s.Metrics {
		if r.Admin, err = testrig.FreeAddr(); err != nil {
			return nil, r.cleanup(err)
		}
	}
	argv, err := h.serverArgv(r, pprofAddr)
	if err != nil {
		return nil, r.cleanup(err)
	}
	spec := launch.Spec{Name: s.Name, Argv: argv, CPU: h.cfg.serverCPU, NoFile: h.cfg.nofile}
	if s.isGo() {
		spec.Env = []string{"GOMAXPROCS=1"}
	}
	if r.proc, err = launch.Start(spec); err != nil {
		return nil, r.cleanup(err)
	}
	r.PID = r.proc.PID
	if err := r.waitReady(10 * time.Second); err != nil {
		return nil, r.stop(err)
	}
	return r, nil
}

func (h *harness) serverArgv(r *running, pprofAddr string) ([]string, error) {
	if r.Kind == "nginx" {
		return h.nginxArgv(r)
	}
	argv := []string{h.peerBin, "-server", r.Kind, "-addr", r.Addr}
	if r.Kind == "baseline" {
		// Another build's peer program: holdfast as it was at that build.
		argv = []string{h.cfg.baselinePeer, "-server", "holdfast", "-addr", r.Addr}
	}
	if r.Engine != "" {
		argv = append(argv, "-engine", r.Engine)
	}
	if r.TLS {
		argv = append(argv, "-tls-cert", h.certFile, "-tls-key", h.keyFile)
	}
	if pprofAddr != "" {
		argv = append(argv, "-pprof-addr", pprofAddr)
	}
	if r.Admin != "" {
		argv = append(argv, "-admin", r.Admin)
	}
	return argv, nil
}

func (h *harness) nginxArgv(r *running) ([]string, error) {
	c := testrig.NginxConfig{Bin: h.nginxBin, Dir: r.dir, NoFile: h.cfg.nofile}
	if r.TLS {
		c.TLS = &testrig.NginxTLS{CertPEM: h.cert.CertPEM, KeyPEM: h.cert.KeyPEM}
	}
	return c.Command(r.Addr)
}

// waitReady polls until the server answers GET / with the expected response,
// which also checks that every peer sends the same thing. A new connection
// is used each time (keep-alives off) so none stays open into the test.
func (r *running) waitReady(limit time.Duration) error {
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	client := &http.Client{Timeout: time.Second, Transport: tr}
	return r.proc.WaitReady(limit, func() error { return checkHello(client, r.url()) })
}

// url is the server's root URL.
func (r *running) url() string {
	if r.TLS {
		return "https://" + r.Addr + "/"
	}
	return "http://" + r.Addr + "/"
}

func checkHello(c *http.Client, url string) error {
	h, err := launch.CheckGET(c, url, "Hello, World!")
	if err == nil && h.Get("Content-Type") != "text/plain" {
		err = fmt.Errorf("Content-Type %q, want text/plain", h.Get("Content-Type"))
	}
	return err
}

// stop ends the server (SIGTERM, then SIGKILL after 5s) and removes its
// temp dir. It returns err, for use in error paths.
func (r *running) stop(err error) error {
	r.proc.Stop()
	return r.cleanup(err)
}

func (r *running) cleanup(err error) error {
	os.RemoveAll(r.dir)
	return err
}

// alive reports whether the server is still running.
func (r *running) alive() error { return r.proc.Alive() }
