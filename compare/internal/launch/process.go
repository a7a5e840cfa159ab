package launch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec says how to start one process.
type Spec struct {
	Name   string   // for messages: "nginx", "holdfast:epoll"
	Argv   []string // the program and its arguments
	CPU    string   // taskset -c CPU list; empty: not pinned
	NoFile int      // prlimit --nofile soft and hard limit; 0: inherited
	Env    []string // added to this process's environment
}

// Prefix is what runs before the program: prlimit and taskset, when asked
// for. Both exec the next program in place, so the child's PID is the
// program's own.
func (s Spec) Prefix() []string {
	var pre []string
	if s.NoFile > 0 {
		pre = append(pre, "prlimit", fmt.Sprintf("--nofile=%d:%d", s.NoFile, s.NoFile))
	}
	if s.CPU != "" {
		pre = append(pre, "taskset", "-c", s.CPU)
	}
	return pre
}

// FullArgv is the full command line: Prefix, then Argv.
func (s Spec) FullArgv() []string { return append(s.Prefix(), s.Argv...) }

// Process is a started program; the caller owns it and must Stop it.
type Process struct {
	Name string
	PID  int
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
}

// Start launches s. It does not wait for the program to be ready: see
// WaitReady.
func Start(s Spec) (*Process, error) {
	argv := s.FullArgv()
	p := &Process{Name: s.Name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), s.Env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	p.PID = p.cmd.Process.Pid
	go func() { p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// WaitReady calls check every 20 ms until it succeeds, the process exits,
// or limit passes; then it makes sure prlimit and taskset really exec'd
// the program, so that the PID measured is the program's.
func (p *Process) WaitReady(limit time.Duration, check func() error) error {
	var last error
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := p.Alive(); err != nil {
			return fmt.Errorf("%s exited at start: %s", p.Name, p.Tail())
		}
		if last = check(); last == nil {
			return p.checkExec()
		}
	}
	return fmt.Errorf("%s not ready after %v: %v", p.Name, limit, last)
}

func (p *Process) checkExec() error {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p.PID))
	if err != nil {
		return err
	}
	if c := strings.TrimSpace(string(comm)); c == "prlimit" || c == "taskset" {
		return fmt.Errorf("pid %d is %s, not %s", p.PID, c, p.Name)
	}
	return nil
}

// Stop ends the process: SIGTERM, then SIGKILL after 5 s.
func (p *Process) Stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Alive reports an error if the process has exited.
func (p *Process) Alive() error {
	select {
	case <-p.done:
		return errors.New(p.Name + " exited: " + p.Tail())
	default:
		return nil
	}
}

// Tail is the end of the process's output, for error messages.
func (p *Process) Tail() string { return p.out.tail() }

// syncBuffer collects a child's output; exec writes from its own goroutine.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 64<<10 { // a noisy program must not grow us without bound
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

// CheckGET is a readiness check: a GET of url must answer 200 with body
// want. It returns the answer's header for further checks.
func CheckGET(c *http.Client, url, want string) (http.Header, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return nil, err
	case resp.StatusCode != 200 || string(body) != want:
		return nil, fmt.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, want)
	}
	return resp.Header, nil
}
