package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"holdfast/compare"
)

// server is one entry of -servers.
type server struct {
	Name   string // as reported: "nbio", "holdfast:epoll"
	Kind   string // nethttp, fasthttp, nbio, holdfast or nginx
	Engine string // holdfast only
}

var kinds = map[string]bool{"nethttp": true, "fasthttp": true, "nbio": true, "holdfast": true, "nginx": true}

func parseServers(s string) ([]server, error) {
	var out []server
	for _, f := range splitList(s) {
		kind, engine, _ := strings.Cut(f, ":")
		if !kinds[kind] || (engine != "" && kind != "holdfast") {
			return nil, fmt.Errorf("unknown server %q", f)
		}
		out = append(out, server{Name: f, Kind: kind, Engine: engine})
	}
	return out, nil
}

func (s server) isGo() bool { return s.Kind != "nginx" }

// running is a started server; the harness owns its process.
type running struct {
	server
	Addr string
	PID  int
	cmd  *exec.Cmd
	dir  string // temp dir: nginx config, pid and logs
	errb *syncBuffer
	done chan struct{} // closed when the process has exited
}

// start launches a fresh server on a fresh port, pinned to the server CPU
// through taskset and given the open-file limit through prlimit. Both exec
// the next program in place, so the child's PID is the server's own.
func (h *harness) start(s server, pprofAddr string) (*running, error) {
	dir, err := os.MkdirTemp("", "compare-"+s.Kind+"-")
	if err != nil {
		return nil, err
	}
	r := &running{server: s, dir: dir, errb: &syncBuffer{}, done: make(chan struct{})}
	if r.Addr, err = freeAddr(); err != nil {
		return nil, r.cleanup(err)
	}
	argv, err := h.serverArgv(r, pprofAddr)
	if err != nil {
		return nil, r.cleanup(err)
	}
	pre := []string{"prlimit", fmt.Sprintf("--nofile=%d:%d", h.cfg.nofile, h.cfg.nofile), "taskset", "-c", h.cfg.serverCPU}
	r.cmd = exec.Command(pre[0], append(pre[1:], argv...)...)
	r.cmd.Env = os.Environ()
	if s.isGo() {
		r.cmd.Env = append(r.cmd.Env, "GOMAXPROCS=1")
	}
	r.cmd.Stdout, r.cmd.Stderr = r.errb, r.errb
	if err := r.cmd.Start(); err != nil {
		return nil, r.cleanup(err)
	}
	r.PID = r.cmd.Process.Pid
	go func() { r.cmd.Wait(); close(r.done) }()
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
	if r.Engine != "" {
		argv = append(argv, "-engine", r.Engine)
	}
	if pprofAddr != "" {
		argv = append(argv, "-pprof-addr", pprofAddr)
	}
	return argv, nil
}

func (h *harness) nginxArgv(r *running) ([]string, error) {
	var b bytes.Buffer
	err := compare.WriteNginxConfig(&b, compare.NginxConfig{
		Dir: r.dir, Addr: r.Addr, NoFile: h.cfg.nofile,
		// nginx starts closing idle keep-alive connections once fewer than
		// 1/16 of worker_connections are free (ngx_drain_connections), so
		// the pool must be well above the connections held; the fd limit,
		// not this, is the real cap.
		WorkerConnections: 2 * h.cfg.nofile,
	})
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(r.dir, "nginx.conf")
	if err := os.WriteFile(conf, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return []string{h.nginxBin, "-p", r.dir, "-c", conf, "-e", filepath.Join(r.dir, "error.log")}, nil
}

// waitReady polls until the server answers GET / with the expected response,
// which also checks that every peer sends the same thing. A new connection
// is used each time (keep-alives off) so none stays open into the test.
func (r *running) waitReady(limit time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last error
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-r.done:
			return fmt.Errorf("%s exited at start: %s", r.Name, r.errb.tail())
		default:
		}
		if last = checkHello(client, "http://"+r.Addr+"/"); last == nil {
			return r.checkExec()
		}
	}
	return fmt.Errorf("%s not ready after %v: %v", r.Name, limit, last)
}

func checkHello(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return err
	case resp.StatusCode != 200 || string(body) != "Hello, World!":
		return fmt.Errorf("got %d %q, want 200 \"Hello, World!\"", resp.StatusCode, body)
	case resp.Header.Get("Content-Type") != "text/plain":
		return fmt.Errorf("Content-Type %q, want text/plain", resp.Header.Get("Content-Type"))
	}
	return nil
}

// checkExec makes sure prlimit and taskset really exec'd the server, so the
// PID measured is the server's and not a wrapper's.
func (r *running) checkExec() error {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", r.PID))
	if err != nil {
		return err
	}
	if c := strings.TrimSpace(string(comm)); c == "prlimit" || c == "taskset" {
		return fmt.Errorf("pid %d is %s, not the server", r.PID, c)
	}
	return nil
}

// stop ends the server (SIGTERM, then SIGKILL after 5s) and removes its
// temp dir. It returns err, for use in error paths.
func (r *running) stop(err error) error {
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
	return r.cleanup(err)
}

func (r *running) cleanup(err error) error {
	os.RemoveAll(r.dir)
	return err
}

// alive reports whether the server is still running.
func (r *running) alive() error {
	select {
	case <-r.done:
		return errors.New(r.Name + " exited: " + r.errb.tail())
	default:
		return nil
	}
}

// freeAddr picks a port the kernel says is free. Every run gets a new port
// so no TIME_WAIT or lingering socket from the previous server is in the way.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// syncBuffer collects a child's output; exec writes from its own goroutine.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 64<<10 { // a noisy server must not grow us without bound
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := strings.TrimSpace(s.b.String())
	if len(t) > 500 {
		t = "…" + t[len(t)-500:]
	}
	if t == "" {
		return "(no output)"
	}
	return t
}
