package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain lets the test binary run as the holdfast command, so that tests
// can start it as a real process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("HOLDFAST_AS_MAIN") == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// child is holdfast running as a child process.
type child struct {
	cmd   *exec.Cmd
	url   string   // where it serves (the first listener)
	urls  []string // every listener's URL, in the order it said them
	admin string   // the admin listener's URL, when --admin was given

	mu     sync.Mutex
	stderr bytes.Buffer // guarded by mu
}

func (c *child) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// startCommand runs holdfast with args as a child process and returns it
// once it says where it serves.
func startCommand(t *testing.T, args ...string) *child {
	t.Helper()
	return startChild(t, "holdfast: serving", exec.Command(os.Args[0], args...))
}

// startChild runs cmd, which runs this binary as holdfast (perhaps under
// a wrapper such as prlimit), and returns it once it writes a line that
// starts with ready.
func startChild(t *testing.T, ready string, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{cmd: cmd}
	c.cmd.Env = append(os.Environ(), "HOLDFAST_AS_MAIN=1")
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`on (https?://[0-9.:]+)`)
	for sc.Scan() {
		line := sc.Text()
		c.mu.Lock()
		c.stderr.WriteString(line + "\n")
		c.mu.Unlock()
		m := re.FindStringSubmatch(line)
		switch {
		case m != nil && strings.Contains(line, "admin on"):
			c.admin = m[1]
		case m != nil && strings.Contains(line, "serving"):
			c.urls = append(c.urls, m[1])
			c.url = c.urls[0]
		}
		if strings.HasPrefix(line, ready) {
			go c.keepReading(sc)
			return c
		}
	}
	t.Fatalf("holdfast did not start:\n%s", c.log())
	return nil
}

func (c *child) keepReading(sc *bufio.Scanner) {
	for sc.Scan() {
		c.mu.Lock()
		c.stderr.WriteString(sc.Text() + "\n")
		c.mu.Unlock()
	}
}

func curl(t *testing.T, urls ...string) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (CI installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Leading flags (--cacert FILE) go first; each URL's body to /dev/null.
	var flags []string
	for len(urls) > 0 && strings.HasPrefix(urls[0], "-") {
		flags, urls = append(flags, urls[0], urls[1]), urls[2:]
	}
	args := append(append([]string{"-sv", "-o", "/dev/null"}, flags...), urls...)
	for range urls[1:] {
		args = append(args, "-o", "/dev/null")
	}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	return string(out)
}

// The two modes, as curl sees them: with keep-alive the second
// request re-uses the connection; with --no-keepalive it cannot.
func TestCurlReusesConnection(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	url := startCommand(t, "serve", "--listen", "127.0.0.1:0", dir).url
	out := curl(t, url+"/a.txt", url+"/a.txt")
	if !strings.Contains(out, "Re-using existing connection") {
		t.Fatalf("curl did not re-use the connection:\n%s", out)
	}

	url = startCommand(t, "--no-keepalive", "--listen", "127.0.0.1:0", dir).url
	out = curl(t, url+"/a.txt", url+"/a.txt")
	if strings.Contains(out, "Re-using") || !strings.Contains(out, "Connection: close") {
		t.Fatalf("with --no-keepalive curl re-used the connection:\n%s", out)
	}
}

func TestSignalDrainsAndExitsZero(t *testing.T) {
	c := startCommand(t, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	resp, err := http.Get(c.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.terminate(t)
}

// terminate sends SIGTERM and wants holdfast to drain and exit with 0.
func (c *child) terminate(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, c.log())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("holdfast did not exit after SIGTERM")
	}
}

// The demo page's sub-resources are attributed to real connection IDs.
func TestDemoCountsConnections(t *testing.T) {
	url := startCommand(t, "--listen", "127.0.0.1:0").url
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 3}}
	defer client.CloseIdleConnections()
	page := fetch(t, client, url+"/")
	refs := regexp.MustCompile(`(?:href|src)="(/demo/(?:css|js|img)/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 30 {
		t.Fatalf("%d sub-resources on the demo page, want at least 30", len(refs))
	}
	for _, r := range refs {
		fetch(t, client, url+strings.ReplaceAll(r[1], "&amp;", "&"))
	}
	load := regexp.MustCompile(`load=([0-9a-f]+)`).FindStringSubmatch(refs[0][1])[1]
	var rep struct{ Requests, Connections int }
	json.Unmarshal([]byte(fetch(t, client, url+"/demo/report?load="+load)), &rep)
	if rep.Requests != len(refs) || rep.Connections < 1 || rep.Connections > 3 {
		t.Fatalf("report %+v for %d sub-resources over at most 3 connections", rep, len(refs))
	}
}

func fetch(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}
