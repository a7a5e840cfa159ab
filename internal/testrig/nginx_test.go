package testrig

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"holdfast/internal/selfsigned"
)

func TestNginxCommandWritesTheConfig(t *testing.T) {
	dir := t.TempDir()
	c := NginxConfig{Bin: "/bin/nginx", Dir: dir, NoFile: 20000, Prefix: []string{"taskset", "-c", "1"},
		Directives: "client_header_timeout 2s;"}
	argv, err := c.Command("127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	want := "taskset -c 1 /bin/nginx -p " + dir + " -c " + dir + "/nginx.conf -e " + dir + "/error.log"
	if got := strings.Join(argv, " "); got != want {
		t.Errorf("argv %q, want %q", got, want)
	}
	conf, err := os.ReadFile(dir + "/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"listen 127.0.0.1:9;", "pid " + dir + "/nginx.pid;", "worker_rlimit_nofile 20000;",
		"worker_connections 40000;", "keepalive_requests 100000;", "keepalive_timeout 300s;",
		"client_header_timeout 2s;", `return 200 "Hello, World!";`} {
		if !strings.Contains(string(conf), line) {
			t.Errorf("config lacks %q:\n%s", line, conf)
		}
	}
}

func TestNginxRefusesADollarInTheBody(t *testing.T) {
	_, err := NginxConfig{Bin: "/bin/nginx", Dir: t.TempDir(), Body: "$host"}.Command("127.0.0.1:9")
	if !errors.Is(err, ErrNginxBody) {
		t.Fatalf("err = %v, want ErrNginxBody", err)
	}
}

// TestNginxAnswersAsConfigured asks the installed nginx itself: the body
// comes back verbatim, and an idle connection is closed after
// keepalive_timeout.
func TestNginxAnswersAsConfigured(t *testing.T) {
	CheckLeaks(t)
	n := StartNginx(t, NginxConfig{Body: "ok \"quoted\"\n", KeepaliveTimeout: "300ms"})
	c, err := net.Dial("tcp", n.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	buf := make([]byte, 1024)
	k, err := c.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:k]), "HTTP/1.1 200") || !strings.HasSuffix(string(buf[:k]), "\r\n\r\nok \"quoted\"\n") {
		t.Fatalf("nginx answered %q, %v", buf[:k], err)
	}
	if k, err := c.Read(buf); k != 0 || err != io.EOF {
		t.Fatalf("idle read = %q, %v; want nginx's close", buf[:k], err)
	}
	if err := n.Alive(); err != nil {
		t.Fatal(err)
	}
	n.Stop()
	if n.Alive() == nil {
		t.Fatal("nginx still running after Stop")
	}
}

func TestRunNginxReportsAFailedStart(t *testing.T) {
	bin, err := FindNginx()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	_, err = RunNginx(NginxConfig{Bin: bin, Dir: dir, Directives: "no_such_directive on;"})
	if !errors.Is(err, ErrNginxStart) || !strings.Contains(err.Error(), "no_such_directive") {
		t.Fatalf("err = %v, want ErrNginxStart with nginx's complaint", err)
	}
}

func TestRunNginxRemovesItsTempDir(t *testing.T) {
	n, err := RunNginx(NginxConfig{})
	if errors.Is(err, ErrNoNginx) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	n.Stop()
	if _, err := os.Stat(n.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp dir %s after Stop: %v", n.Dir, err)
	}
}

func TestFindNginx(t *testing.T) {
	bin, err := FindNginx()
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/nginx"); statErr == nil {
			t.Fatalf("FindNginx = %v, yet /usr/sbin/nginx exists", err)
		}
		t.Skip(err)
	}
	if err := exec.Command(bin, "-v").Run(); err != nil {
		t.Fatalf("%s -v: %v", bin, err)
	}
}

// Location and Workers make a reverse proxy with a master and workers.
func TestNginxAsAReverseProxyWithWorkers(t *testing.T) {
	CheckLeaks(t)
	origin := StartNginx(t, NginxConfig{Body: "from origin"})
	front := StartNginx(t, NginxConfig{
		Directives: "upstream backend { server " + origin.Addr + "; keepalive 8; }",
		Location:   `proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";`,
		Workers:    2,
	})
	conf, _ := os.ReadFile(front.Dir + "/nginx.conf")
	if !strings.Contains(string(conf), "master_process on;") || !strings.Contains(string(conf), "worker_processes 2;") {
		t.Errorf("config:\n%s", conf)
	}
	c, err := net.Dial("tcp", front.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	b, _ := io.ReadAll(c)
	if !strings.HasSuffix(string(b), "from origin") {
		t.Errorf("through the proxy: %q", b)
	}
}

// TestNginxServesTLS asks the installed nginx for HTTPS: a client trusting
// the certificate gets the body, and a second connection resumes the
// session (ssl_session_cache).
func TestNginxServesTLS(t *testing.T) {
	CheckLeaks(t)
	cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	n := StartNginx(t, NginxConfig{TLS: &NginxTLS{CertPEM: cert.CertPEM, KeyPEM: cert.KeyPEM}})
	cfg := &tls.Config{RootCAs: cert.Pool, ServerName: "localhost", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	for i, wantResumed := range []bool{false, true} {
		c, err := tls.Dial("tcp", n.Addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
		b, _ := io.ReadAll(c)
		resumed := c.ConnectionState().DidResume
		c.Close()
		if !strings.HasSuffix(string(b), "Hello, World!") {
			t.Fatalf("connection %d: %q", i, b)
		}
		if resumed != wantResumed {
			t.Errorf("connection %d: resumed %v, want %v", i, resumed, wantResumed)
		}
	}
}
