package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// siteDir makes a directory with the static directories the tests' files
// route to: one/a.txt says "one", two/a.txt "two", two/b.txt "bee".
func siteDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"one/a.txt": "one", "two/a.txt": "two", "two/b.txt": "bee"} {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeConfig writes text as dir/holdfast.yaml and returns its path.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "holdfast.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startRun runs holdfast run -c path and returns it once it runs.
func startRun(t *testing.T, path string) *child {
	t.Helper()
	return startChild(t, "holdfast: running", exec.Command(os.Args[0], "run", "-c", path))
}

// waitLog waits until the child's log has said text n times in all.
func (c *child) waitLog(t *testing.T, text string, n int) {
	t.Helper()
	for range 1000 {
		if strings.Count(c.log(), text) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the log never said %q %d times:\n%s", text, n, c.log())
}

// hup sends SIGHUP and waits for the reload's line, or its refusal.
func (c *child) hup(t *testing.T, want string) {
	t.Helper()
	n := strings.Count(c.log(), want)
	c.cmd.Process.Signal(syscall.SIGHUP)
	c.waitLog(t, want, n+1)
}

// holdfast check: exit 0 and a summary for a good file; exit 1 and each
// error on a line of its own, with its position, for a bad one; exit 2
// for a command line that cannot run.
func TestCheckCommand(t *testing.T) {
	dir := siteDir(t)
	good := writeConfig(t, dir, "listeners:\n  - listen: 127.0.0.1:0\n    routes:\n      - static: one\n")
	if code, out, errs := dispatchArgs("check", "-c", good); code != 0 || out != good+": ok (1 listener, 1 route, 0 upstream groups)\n" || errs != "" {
		t.Errorf("good file: exit %d, %q, %q", code, out, errs)
	}
	// check binds nothing: a file whose address is taken is good.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := filepath.Join(dir, "busy.yaml")
	os.WriteFile(busy, []byte("listeners:\n  - listen: "+taken.Addr().String()+"\n    routes:\n      - static: one\n"), 0o644)
	if code, out, errs := dispatchArgs("check", "-c", busy); code != 0 {
		t.Errorf("a file on a taken address: exit %d, %q, %q", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listeners:\n  - listen: 127.0.0.1:0\n    idle-timeout: soon\n    routes:\n      - upstream: app\n"), 0o644)
	code, out, errs := dispatchArgs("check", "-c", bad)
	want := []string{
		"holdfast check: " + bad + `:3:19: listeners[0].idle-timeout: "soon"; expected a duration`,
		"holdfast check: " + bad + `:5:19: listeners[0].routes[0].upstream: no upstream group "app"`,
	}
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if code != 1 || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], want[0]) || !strings.HasPrefix(lines[1], want[1]) {
		t.Errorf("bad file: exit %d, stdout %q, stderr:\n%s\nwant lines starting:\n%s", code, out, errs, strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check", "-c", filepath.Join(dir, "none.yaml")}, 1, "none.yaml: no such file or directory"},
		{[]string{"check", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"check", "--bogus"}, 2, "unknown flag --bogus"},
		{[]string{"run", "-c", bad}, 1, `:3:19: listeners[0].idle-timeout`},
		{[]string{"reload", "-c", good}, 1, "has no pid-file"},
	} {
		code, _, stderr := dispatchArgs(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// The example in deploy/ serves what it says: its static page, its API
// through the upstream group, its redirect by host; and check finds it
// good.
func TestExampleFileServes(t *testing.T) {
	example, err := os.ReadFile("../../deploy/holdfast.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errs := dispatchArgs("check", "-c", "../../deploy/holdfast.yaml"); code != 0 {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
	upstreams := []string{startUpstream(t, "upstream"), startUpstream(t, "upstream")}
	dir := t.TempDir()
	os.CopyFS(filepath.Join(dir, "www"), os.DirFS("../../deploy/www"))
	text := strings.NewReplacer("127.0.0.1:8080", "127.0.0.1:0", "127.0.0.1:9090", "127.0.0.1:0",
		"http://127.0.0.1:9001", upstreams[0], "http://127.0.0.1:9002", upstreams[1],
		"/tmp/holdfast.pid", filepath.Join(dir, "holdfast.pid")).Replace(string(example))
	c := startRun(t, writeConfig(t, dir, text))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	if page := fetch(t, client, c.url+"/"); !strings.Contains(page, "Served by holdfast run") {
		t.Errorf("/: %q", page)
	}
	if got := fetch(t, client, c.url+"/api/users?id=1"); got != "upstream saw /api/users?id=1" {
		t.Errorf("/api/: %q", got)
	}
	req, _ := http.NewRequest("GET", c.url+"/some/page?x=1", nil)
	req.Host = "old.example.com"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "https://example.com/some/page?x=1" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	checkRunAdmin(t, client, c.admin, upstreams)
	c.terminate(t)
}

// checkRunAdmin checks holdfast run's admin listener after three requests,
// one through the upstream group: ready, the servers' counters added up,
// the groups' upstreams listed and measured.
func checkRunAdmin(t *testing.T, client *http.Client, admin string, upstreams []string) {
	t.Helper()
	if got := fetch(t, client, admin+"/ready"); got != "ready\n" {
		t.Errorf("/ready: %q", got)
	}
	var st struct{ Requests uint64 }
	if err := json.Unmarshal([]byte(fetch(t, client, admin+"/stats")), &st); err != nil || st.Requests != 3 {
		t.Errorf("/stats: %d requests, %v", st.Requests, err)
	}
	var ups []struct {
		Group, URL string
		Requests   uint64
	}
	err := json.Unmarshal([]byte(fetch(t, client, admin+"/upstreams")), &ups)
	if err != nil || len(ups) != 2 || ups[0].URL != upstreams[0] || ups[1].URL != upstreams[1] || ups[0].Group != "app" || ups[0].Requests+ups[1].Requests != 1 {
		t.Errorf("/upstreams: %+v %v", ups, err)
	}
	m := fetch(t, client, admin+"/metrics")
	for i, u := range ups {
		if want := fmt.Sprintf(`holdfast_upstream_requests_total{upstream="%s"} %d`, u.URL, u.Requests); !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s (upstream %d)", want, i)
		}
	}
}

// startUpstream serves "NAME saw PATH?QUERY" and returns its URL.
func startUpstream(t *testing.T, name string) string {
	t.Helper()
	upstream := &holdfast.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name+" saw "+r.URL.RequestURI())
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go upstream.Serve(l)
	t.Cleanup(func() { upstream.Close() })
	return "http://" + l.Addr().String()
}

// A file that is wrong changes nothing: the error is logged with its
// position, and the running routes keep answering; so does a file that
// changes what only a restart can. holdfast reload finds the process by
// the pid-file.
func TestBadReloadKeepsConfig(t *testing.T) {
	dir := siteDir(t)
	head := "pid-file: holdfast.pid\nlisteners:\n  - listen: 127.0.0.1:0\n    engine: goroutine\n"
	path := writeConfig(t, dir, head+"    routes:\n      - static: one\n")
	c := startRun(t, path)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for _, tc := range []struct{ file, says string }{
		{head + "    routes:\n      - static: nowhere\n", path + ":6:17: listeners[0].routes[0].static: nowhere: no such file or directory"},
		{head + "    idle-timeout: -1s\n    routes:\n      - static: two\n", path + `:5:19: listeners[0].idle-timeout: \"-1s\": negative`},
		{strings.Replace(head, "goroutine", "epoll", 1) + "    routes:\n      - static: two\n", path + ":4:13: listeners[0].engine: engine changes only when holdfast restarts"},
	} {
		writeConfig(t, dir, tc.file)
		c.hup(t, "reload refused")
		if !strings.Contains(c.log(), tc.says) {
			t.Errorf("the log does not say %q:\n%s", tc.says, c.log())
		}
		if got := fetch(t, client, c.url+"/a.txt"); got != "one" {
			t.Errorf("after a refused reload: %q", got)
		}
	}
	writeConfig(t, dir, head+"    routes:\n      - static: two\n")
	if code, out, errs := dispatchArgs("reload", "-c", path); code != 0 || !strings.Contains(out, "sent SIGHUP to") {
		t.Fatalf("holdfast reload: %d %q %q", code, out, errs)
	}
	c.waitLog(t, "holdfast: reloaded", 1)
	if got := fetch(t, client, c.url+"/a.txt"); got != "two" {
		t.Errorf("after holdfast reload: %q", got)
	}
	c.terminate(t)
	if _, err := os.Stat(filepath.Join(dir, "holdfast.pid")); !os.IsNotExist(err) {
		t.Errorf("the pid-file is still there after the exit: %v", err)
	}
}

// SIGTERM: /ready answers 503 through the drain-delay while the listeners
// still serve, /live 200; then holdfast drains and exits 0.
func TestRunReadyThenDraining(t *testing.T) {
	dir := siteDir(t)
	path := writeConfig(t, dir, "admin: 127.0.0.1:0\ndrain-delay: 3s\nlisteners:\n  - listen: 127.0.0.1:0\n    routes:\n      - static: one\n")
	c := startRun(t, path)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	if got := fetch(t, client, c.admin+"/ready"); got != "ready\n" {
		t.Fatalf("/ready: %q", got)
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.waitLog(t, "holdfast: not ready", 1)
	resp, err := client.Get(c.admin + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/ready while draining: %d", resp.StatusCode)
	}
	fetch(t, client, c.admin+"/live")
	if got := fetch(t, client, c.url+"/a.txt"); got != "one" {
		t.Errorf("the listener during drain-delay: %q", got)
	}
	client.CloseIdleConnections()
	if err := c.cmd.Wait(); err != nil || !strings.Contains(c.log(), "holdfast: stopped") {
		t.Fatalf("exit: %v\n%s", err, c.log())
	}
}

// keepAliveHint is the timeout= of a response's Keep-Alive field.
func keepAliveHint(resp *http.Response) string {
	m := regexp.MustCompile(`timeout=(\d+)`).FindStringSubmatch(resp.Header.Get("Keep-Alive"))
	if m == nil {
		return ""
	}
	return m[1]
}

// A reload under keep-alive load: connections opened before it carry
// requests after it, none fails, the new route answers on them, and their
// responses carry the new policy's Keep-Alive hint. On both engines.
func TestReloadUnderKeepAlive(t *testing.T) {
	for _, engine := range []string{"goroutine", "epoll"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir := siteDir(t)
			head := "listeners:\n  - listen: 127.0.0.1:0\n    engine: " + engine + "\n"
			path := writeConfig(t, dir, head+"    idle-timeout: 75s\n    routes:\n      - static: one\n")
			c := startRun(t, path)
			load := startKeepAliveLoad(t, c.url+"/a.txt", 4)
			load.waitRequests(t, 20)
			writeConfig(t, dir, head+"    idle-timeout: 33s\n    routes:\n      - static: one\n      - path: /new/\n        static: two\n")
			c.hup(t, "holdfast: reloaded")
			before := load.connections()
			load.waitRequests(t, load.total()+40)
			res := load.stop()
			if res.failures > 0 || res.requests == 0 {
				t.Fatalf("%d of %d requests failed; first: %v", res.failures, res.requests, res.first)
			}
			for i, w := range load.workers {
				resp, conn := w.get(c.url + "/new/b.txt")
				if resp.body != "bee" || conn != before[i] || resp.hint != "33" {
					t.Errorf("worker %d after the reload: %q on %s (before: %s), Keep-Alive timeout=%s", i, resp.body, conn, before[i], resp.hint)
				}
			}
			if res.newConns > 0 {
				t.Errorf("%d connections opened after the reload: the old ones were dropped", res.newConns)
			}
			c.terminate(t)
		})
	}
}

// A reload that adds a listener starts it, one that removes a listener
// drains it (its socket closes, its idle kept-alive connection closes),
// and one that changes an upstream group's URLs sends the group's routes
// to the new ones, on the listener that stays.
func TestReloadListenersAndGroups(t *testing.T) {
	dir := siteDir(t)
	first, second := startUpstream(t, "first"), startUpstream(t, "second")
	gone, added := freeAddr(t), freeAddr(t)
	file := func(upstream, extra string) string {
		return "admin: 127.0.0.1:0\nlisteners:\n  - listen: 127.0.0.1:0\n    routes:\n      - static: one\n      - path: /api/\n        upstream: app\n" +
			extra + "upstreams:\n  app:\n    urls: [" + upstream + "]\n"
	}
	path := writeConfig(t, dir, file(first, "  - listen: "+gone+"\n    routes:\n      - static: two\n"))
	c := startRun(t, path)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	if got := fetch(t, client, c.url+"/api/x"); got != "first saw /api/x" {
		t.Fatalf("before: %q", got)
	}
	idle, err := net.Dial("tcp", gone)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	writeConfig(t, dir, file(second, "  - listen: "+added+"\n    routes:\n      - static: two\n"))
	c.hup(t, "holdfast: reloaded")
	if !strings.Contains(c.log(), "listeners: 1 kept, 1 started, 1 draining") {
		t.Errorf("reload line:\n%s", c.log())
	}
	if got := fetch(t, client, "http://"+added+"/a.txt"); got != "two" {
		t.Errorf("the new listener: %q", got)
	}
	if got := fetch(t, client, c.url+"/api/y"); got != "second saw /api/y" {
		t.Errorf("after: %q", got)
	}
	idle.SetReadDeadline(time.Now().Add(20 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("the removed listener's idle connection: read %d, %v; want it closed", n, err)
	}
	if conn, err := net.Dial("tcp", gone); err == nil {
		conn.Close()
		t.Errorf("the removed listener still accepts")
	}
	var st struct{ Requests uint64 }
	for range 100 { // the drained listener's counters join the totals as its drain ends
		json.Unmarshal([]byte(fetch(t, client, c.admin+"/stats")), &st)
		if st.Requests >= 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Requests != 4 {
		t.Errorf("/stats: %d requests, want the 4 served, the removed listener's included", st.Requests)
	}
	c.terminate(t)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testrig.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// A reload reads a listener's certificate files again: new connections
// get the new certificate, a connection made before keeps serving.
func TestReloadRenewsCertificate(t *testing.T) {
	dir := siteDir(t)
	writeCert := func() *selfsigned.Cert {
		cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "cert.pem"), cert.CertPEM, 0o600)
		os.WriteFile(filepath.Join(dir, "key.pem"), cert.KeyPEM, 0o600)
		return cert
	}
	old := writeCert()
	path := writeConfig(t, dir, "listeners:\n  - listen: 127.0.0.1:0\n    tls-cert: cert.pem\n    tls-key: key.pem\n    routes:\n      - static: one\n")
	c := startRun(t, path)
	seen := make(chan string, 10)
	client := func() *http.Client {
		return &http.Client{Transport: &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // checked against the files' certificates instead
			VerifyConnection: func(cs tls.ConnectionState) error {
				seen <- fingerprint(cs.PeerCertificates[0].Raw)
				return nil
			},
		}}}
	}
	before := client()
	defer before.CloseIdleConnections()
	if got := fetch(t, before, c.url+"/a.txt"); got != "one" || <-seen != old.Fingerprint() {
		t.Fatalf("before: %q", got)
	}
	renewed := writeCert()
	c.hup(t, "holdfast: reloaded")
	after := client()
	defer after.CloseIdleConnections()
	if got := fetch(t, after, c.url+"/a.txt"); got != "one" {
		t.Fatalf("after: %q", got)
	}
	if got := <-seen; got != renewed.Fingerprint() {
		t.Errorf("a new connection got %s, want the renewed certificate %s", got, renewed.Fingerprint())
	}
	fetch(t, before, c.url+"/a.txt")
	select {
	case fp := <-seen:
		t.Errorf("the connection made before the reload was not kept: a new handshake got %s", fp)
	default:
	}
	c.terminate(t)
}

// Two groups may send to the same upstream: /metrics tells them apart by
// the group's name after the URL.
func TestGroupsShareAnUpstream(t *testing.T) {
	dir := siteDir(t)
	upstream := startUpstream(t, "upstream")
	path := writeConfig(t, dir, "admin: 127.0.0.1:0\nlisteners:\n  - listen: 127.0.0.1:0\n    routes:\n      - path: /a/\n        upstream: a\n"+
		"      - path: /b/\n        upstream: b\nupstreams:\n  a:\n    urls: ["+upstream+"]\n  b:\n    urls: ["+upstream+"]\n    timeout: 5s\n")
	c := startRun(t, path)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	fetch(t, client, c.url+"/a/x")
	fetch(t, client, c.url+"/b/x")
	fetch(t, client, c.url+"/b/y")
	m := fetch(t, client, c.admin+"/metrics")
	for _, want := range []string{`holdfast_upstream_requests_total{upstream="` + upstream + ` (a)"} 1`, `holdfast_upstream_requests_total{upstream="` + upstream + ` (b)"} 2`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	c.terminate(t)
}
