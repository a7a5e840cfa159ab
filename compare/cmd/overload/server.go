package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"holdfast/compare/internal/launch"
	"holdfast/internal/testrig"
)

// target is one entry of -servers.
type target struct {
	name   string // as reported: "holdfast:epoll", "nginx"
	kind   string // holdfast or nginx
	engine string // holdfast's --engine; "" for auto
}

func parseTargets(s string) ([]target, error) {
	var out []target
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		kind, engine, _ := strings.Cut(f, ":")
		if (kind != "holdfast" && kind != "nginx") || (kind == "nginx" && engine != "") {
			return nil, fmt.Errorf("unknown server %q (want holdfast, holdfast:ENGINE or nginx)", f)
		}
		out = append(out, target{name: f, kind: kind, engine: engine})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server")
	}
	return out, nil
}

// env is what every scenario shares: the binaries and the site.
type env struct {
	cfg      config
	holdfast string // the holdfast binary, built for this run
	nginx    string // the nginx binary; "" when no nginx is asked for
	site     string // the directory holdfast serves: /hello holds "Hello, World!"
	dir      string
}

// body is what every server answers at path.
const (
	path = "/hello"
	body = "Hello, World!"
)

func prepare(cfg config, dir string) (*env, error) {
	e := &env{cfg: cfg, holdfast: filepath.Join(dir, "holdfast"), site: filepath.Join(dir, "site"), dir: dir}
	if err := buildHoldfast(e.holdfast); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(e.site, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(e.site, "hello"), []byte(body), 0o644); err != nil {
		return nil, err
	}
	for _, t := range cfg.servers {
		if t.kind == "nginx" && e.nginx == "" {
			var err error
			if e.nginx, err = testrig.FindNginx(); err != nil {
				return nil, err
			}
		}
	}
	if err := raiseNoFile(65536); err != nil {
		return nil, err
	}
	return e, nil
}

// buildHoldfast builds the holdfast command in its own module (the one
// compare's go.mod replaces holdfast with), with that module's
// dependencies.
func buildHoldfast(out string) error {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "holdfast").Output()
	if err != nil {
		return fmt.Errorf("finding the holdfast module: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/holdfast")
	cmd.Dir = strings.TrimSpace(string(dir))
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// server is a running server; its scenario owns it.
type server struct {
	target
	addr  string // host:port it serves on
	admin string // holdfast's admin URL; "" for nginx
	proc  *launch.Process
	dir   string
}

func (s *server) url() string { return "http://" + s.addr + path }

// start launches a fresh t pinned to the server CPU, with the same header
// and idle timeouts whichever server it is.
func (e *env) start(t target) (*server, error) {
	dir, err := os.MkdirTemp(e.dir, t.kind)
	if err != nil {
		return nil, err
	}
	s := &server{target: t, dir: dir}
	if s.addr, err = testrig.FreeAddr(); err != nil {
		return nil, err
	}
	spec := launch.Spec{Name: t.name, CPU: e.cfg.serverCPU, NoFile: e.cfg.noFile}
	if t.kind == "nginx" {
		spec.Argv, err = e.nginxConfig(dir).Command(s.addr)
		if err != nil {
			return nil, err
		}
	} else {
		admin, err := testrig.FreeAddr()
		if err != nil {
			return nil, err
		}
		s.admin = "http://" + admin
		spec.Argv = e.holdfastArgv(t, s.addr, admin)
		spec.Env = []string{"GOMAXPROCS=1"}
	}
	if s.proc, err = launch.Start(spec); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if err := s.proc.WaitReady(10*time.Second, func() error { _, err := launch.CheckGET(client, s.url(), body); return err }); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// holdfastArgv is holdfast serve with an admin listener, serving the site;
// holdfast's other defaults stay.
func (e *env) holdfastArgv(t target, addr, admin string) []string {
	argv := []string{e.holdfast, "serve", "--listen", addr, "--admin", admin,
		"--header-timeout", e.cfg.headerTimeout.String(), "--idle-timeout", e.cfg.idleTimeout.String()}
	if t.engine != "" {
		argv = append(argv, "--engine", t.engine)
	}
	return append(append(argv, e.cfg.serveFlags...), e.site)
}

// nginxConfig is the harness's nginx (one process, no master) with
// holdfast's timeouts and its requests per connection (1,000).
func (e *env) nginxConfig(dir string) testrig.NginxConfig {
	return testrig.NginxConfig{
		Bin: e.nginx, Dir: dir, NoFile: e.cfg.noFile, Body: body,
		KeepaliveTimeout:  seconds(e.cfg.idleTimeout),
		KeepaliveRequests: 1000,
		Directives:        "client_header_timeout " + seconds(e.cfg.headerTimeout) + ";",
	}
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) + "s" }

func (s *server) stop() {
	s.proc.Stop()
	os.RemoveAll(s.dir)
}

// adminStats is the part of holdfast's /stats the report uses.
type adminStats struct {
	Open   int64            `json:"connections_open"`
	Closed map[string]int64 `json:"closed"`
}

func (s *server) stats() (adminStats, error) {
	var st adminStats
	if s.admin == "" {
		return st, fmt.Errorf("%s has no admin listener", s.name)
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.admin + "/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// goroutines is go_goroutines from holdfast's /metrics; -1 for nginx or on
// failure.
func (s *server) goroutines() int64 {
	if s.admin == "" {
		return -1
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.admin + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	return metricValue(bufio.NewScanner(resp.Body), "go_goroutines")
}

// metricValue is the value of the unlabelled sample name in a Prometheus
// text exposition; -1 if absent.
func metricValue(sc *bufio.Scanner, name string) int64 {
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return -1
		}
		return int64(f)
	}
	return -1
}

// raiseNoFile lifts this process's open-file limit to at least n (root may
// raise the hard limit): the crowds hold up to -soak-conns connections.
func raiseNoFile(n uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= n {
		return nil
	}
	want := syscall.Rlimit{Cur: n, Max: max(n, lim.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		lim.Cur = lim.Max // not root: the hard limit is what there is
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return nil
}

// pinSelf runs this program again under taskset -c cpu, once, so that it
// and every load generator it starts stay off the server's CPU.
func pinSelf(cpu string) error {
	if cpu == "" || os.Getenv("OVERLOAD_PINNED") == cpu {
		return nil
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	argv := append([]string{"taskset", "-c", cpu, self}, os.Args[1:]...)
	return syscall.Exec(taskset, argv, append(os.Environ(), "OVERLOAD_PINNED="+cpu))
}
