package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"holdfast/internal/leakcheck"
)

// The reuse race, for real: a relay adds 10–25 ms each way, as a network
// does, and callers send requests spaced 0.85–1.15 × the server's idle
// timeout, so that about half of them are sent just as the server closes.
// No hint is advertised: only the check before reuse and the retry protect
// the requests.
const (
	raceIdle     = 300 * time.Millisecond
	raceRequests = 2000
	raceCallers  = 32
)

// relay is a TCP proxy that delays every segment by 10–25 ms in each
// direction, keeping order, and passes FINs and resets on.
type relay struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

func newRelay(t testing.TB, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, conns: make(map[net.Conn]bool)}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.Close)
	return r
}

func (r *relay) URL() string { return "http://" + r.ln.Addr().String() }

func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return false
	}
	r.conns[c] = true
	return true
}

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		down, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.target)
		if err != nil {
			down.Close()
			continue
		}
		if !r.track(down) || !r.track(up) {
			down.Close()
			up.Close()
			return
		}
		r.wg.Add(4)
		go r.pipe(down.(*net.TCPConn), up.(*net.TCPConn))
		go r.pipe(up.(*net.TCPConn), down.(*net.TCPConn))
	}
}

// segment is data (or the end: eof, or a reset) due at a time.
type segment struct {
	data  []byte
	at    time.Time
	eof   bool
	reset bool
}

// pipe copies src to dst through a delay line: a reader goroutine stamps
// each segment with its delivery time, a writer delivers it then.
func (r *relay) pipe(src, dst *net.TCPConn) {
	line := make(chan segment, 4096)
	go func() { // reader
		defer r.wg.Done()
		var last time.Time
		for {
			buf := make([]byte, 16<<10)
			n, err := src.Read(buf)
			at := time.Now().Add(10*time.Millisecond + rand.N(15*time.Millisecond))
			if at.Before(last) {
				at = last
			}
			last = at
			if n > 0 {
				line <- segment{data: buf[:n], at: at}
			}
			if err != nil {
				line <- segment{at: at, eof: errors.Is(err, io.EOF), reset: !errors.Is(err, io.EOF)}
				close(line)
				return
			}
		}
	}()
	defer r.wg.Done()
	for s := range line {
		time.Sleep(time.Until(s.at))
		switch {
		case s.eof:
			dst.CloseWrite()
		case s.reset:
			dst.SetLinger(0)
			dst.Close()
			src.Close()
		default:
			if _, err := dst.Write(s.data); err != nil {
				src.SetLinger(0)
				src.Close()
			}
		}
	}
}

func (r *relay) Close() {
	r.mu.Lock()
	r.closed = true
	r.ln.Close()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// raceResult counts what a race run saw.
type raceResult struct {
	requests, failures atomic.Int64
	firstErr           atomic.Value
}

// runRace sends n requests (GET and PUT) from callers goroutines spaced
// 0.85–1.15 × idle apart, and counts the failures.
func runRace(t testing.TB, rt http.RoundTripper, url string, n, callers int, idle time.Duration) *raceResult {
	res := &raceResult{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n && ctx.Err() == nil; i += callers {
				// Start the callers out of step, then keep each one's spacing.
				f := 0.85 + 0.3*rand.Float64()
				if i == g {
					f = rand.Float64()
				}
				time.Sleep(time.Duration(f * float64(idle)))
				res.requests.Add(1)
				if err := raceRequest(ctx, rt, url, i); err != nil {
					res.failures.Add(1)
					res.firstErr.CompareAndSwap(nil, err)
				}
			}
		}(g)
	}
	wg.Wait()
	return res
}

func raceRequest(ctx context.Context, rt http.RoundTripper, url string, i int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	method, body := "GET", io.Reader(nil)
	if i%2 == 1 {
		method, body = "PUT", strings.NewReader("payload-"+strconv.Itoa(i))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "ok") {
		return fmt.Errorf("%s: status %d, body %q", method, resp.StatusCode, b)
	}
	return nil
}

// raceServers starts the servers under test, each behind its own relay,
// and returns their URLs by name.
func raceServers(t *testing.T, idle time.Duration) map[string]string {
	urls := map[string]string{}
	srv := &http.Server{
		IdleTimeout: idle,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte("ok\n"))
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	urls["nethttp"] = newRelay(t, ln.Addr().String()).URL()
	urls["nginx"] = "" // skipped when nginx is missing
	if addr, ok := startNginx(t, idle); ok {
		urls["nginx"] = newRelay(t, addr).URL()
	}
	return urls
}

func TestTransportReuseRace(t *testing.T) {
	leakcheck.Check(t)
	n, callers := raceRequests, raceCallers
	if testing.Short() {
		n, callers = 200, 16
	}
	for name, url := range raceServers(t, raceIdle) {
		t.Run(name, func(t *testing.T) {
			if url == "" {
				t.Skip("nginx binary not found (apt-get install nginx-light)")
			}
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			start := time.Now()
			res := runRace(t, tr, url, n, callers, raceIdle)
			st := tr.Stats()
			t.Logf("holdfast vs %s: %d requests in %v, %d failed; dials %d, reuses %d, stale discarded %d, reuse failures %d, retries %d",
				name, res.requests.Load(), time.Since(start).Round(time.Millisecond), res.failures.Load(),
				st.Dials, st.Reuses, st.Closed[CloseStale], st.ReuseFailures, st.Retries)
			if res.requests.Load() != int64(n) {
				t.Errorf("only %d of %d requests ran", res.requests.Load(), n)
			}
			if f := res.failures.Load(); f != 0 {
				t.Errorf("%d requests failed, the first with: %v", f, res.firstErr.Load())
			}
			if st.Reuses == 0 || st.Closed[CloseStale]+st.Retries == 0 {
				t.Errorf("the run did not race: reuses %d, stale %d, retries %d", st.Reuses, st.Closed[CloseStale], st.Retries)
			}
		})
	}
}

// TestTransportReuseRaceNetHTTPBaseline runs the same loop through
// net/http's Transport and logs its failures: a measurement, not an
// assertion. It runs only with HOLDFAST_BASELINE=1 (it takes as long as
// TestTransportReuseRace).
func TestTransportReuseRaceNetHTTPBaseline(t *testing.T) {
	if os.Getenv("HOLDFAST_BASELINE") == "" {
		t.Skip("set HOLDFAST_BASELINE=1 to measure net/http's Transport in the reuse race")
	}
	leakcheck.Check(t)
	n, callers := raceRequests, raceCallers
	if testing.Short() {
		n, callers = 200, 16
	}
	for name, url := range raceServers(t, raceIdle) {
		t.Run(name, func(t *testing.T) {
			if url == "" {
				t.Skip("nginx binary not found (apt-get install nginx-light)")
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			res := runRace(t, tr, url, n, callers, raceIdle)
			t.Logf("net/http vs %s: %d requests, %d failed (first: %v)", name, res.requests.Load(), res.failures.Load(), res.firstErr.Load())
		})
	}
}

// startNginx starts nginx on an ephemeral port with keepalive_timeout
// idle, or skips that part (reported, not failed) when nginx is missing.
func startNginx(t *testing.T, idle time.Duration) (string, bool) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Log("nginx not found: its reuse race is skipped (apt-get install nginx-light)")
		return "", false
	}
	for attempt := 0; attempt < 5; attempt++ {
		if addr, ok := tryNginx(t, bin, idle); ok {
			return addr, true
		}
	}
	t.Fatal("nginx did not start")
	return "", false
}

func tryNginx(t *testing.T, bin string, idle time.Duration) (string, bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nginx binds it next; another process could take it: retried
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	keepalive_timeout %[2]dms;
	keepalive_requests 100000;
	server {
		listen %[3]s;
		location / { return 200 "ok\n"; }
	}
}
`, dir, idle.Milliseconds(), addr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx exited: %s", log)
			return "", false
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGQUIT)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			return addr, true
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return "", false
}
