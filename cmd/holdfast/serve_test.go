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

// startCommand runs holdfast with args as a child process and returns the
// URL it serves once it says so.
func startCommand(t *testing.T, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HOLDFAST_AS_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`on (http://[0-9.:]+)`)
	var log bytes.Buffer
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "serving") {
			go func() {
				for sc.Scan() {
					log.WriteString(sc.Text() + "\n")
				}
			}()
			return cmd, m[1], &log
		}
	}
	t.Fatalf("holdfast did not start:\n%s", log.String())
	return nil, "", nil
}

func curl(t *testing.T, urls ...string) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (CI installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"-sv", "-o", "/dev/null"}, urls...)
	for range urls[1:] {
		args = append(args, "-o", "/dev/null")
	}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	return string(out)
}

// The seed's two modes, as curl sees them: with keep-alive the second
// request re-uses the connection; with --no-keepalive it cannot.
func TestCurlReusesConnection(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	_, url, _ := startCommand(t, "serve", "--listen", "127.0.0.1:0", dir)
	out := curl(t, url+"/a.txt", url+"/a.txt")
	if !strings.Contains(out, "Re-using existing connection") {
		t.Fatalf("curl did not re-use the connection:\n%s", out)
	}

	_, url, _ = startCommand(t, "--no-keepalive", "--listen", "127.0.0.1:0", dir)
	out = curl(t, url+"/a.txt", url+"/a.txt")
	if strings.Contains(out, "Re-using") || !strings.Contains(out, "Connection: close") {
		t.Fatalf("with --no-keepalive curl re-used the connection:\n%s", out)
	}
}

func TestSignalDrainsAndExitsZero(t *testing.T) {
	cmd, url, log := startCommand(t, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, log)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("holdfast did not exit after SIGTERM")
	}
}

// The demo page's sub-resources are attributed to real connection IDs.
func TestDemoCountsConnections(t *testing.T) {
	_, url, _ := startCommand(t, "--listen", "127.0.0.1:0")
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

func TestHelpListsFlagsWithDefaults(t *testing.T) {
	var out bytes.Buffer
	if code := dispatch([]string{"serve", "--help"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--listen ADDR", "(default 127.0.0.1:8080)", "--idle-timeout", "(default 1m15s)", "--admin", "--header-timeout",
		"--max-requests", "--max-age", "--tcp-keepalive-idle", "--tcp-keepalive-interval", "--tcp-keepalive-count", "--tcp-user-timeout",
		"--no-keepalive", "--access-log"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"--idle-timeout", "soon"}, {"a", "b"}, {"/does/not/exist"}, {"--engine", "nope"}, {"--listen", "256.0.0.1:99999"}} {
		var stderr bytes.Buffer
		code := dispatch(args, io.Discard, &stderr)
		lines := strings.Count(strings.TrimSpace(stderr.String()), "\n") + 1
		if code == 0 || lines != 1 || strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "[running]") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}
