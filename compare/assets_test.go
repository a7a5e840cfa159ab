package compare

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNginxConfigRenders(t *testing.T) {
	var b bytes.Buffer
	c := NginxConfig{Dir: "/tmp/x", Addr: "127.0.0.1:9", NoFile: 20000, WorkerConnections: 19990}
	if err := WriteNginxConfig(&b, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:9;", "pid /tmp/x/nginx.pid;",
		"worker_connections 19990;", "keepalive_requests 100000;", "keepalive_timeout 300s;",
		`return 200 "Hello, World!";`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("config lacks %q", want)
		}
	}
	b.Reset()
	c.KeepaliveTimeout = "300ms"
	if err := WriteNginxConfig(&b, c); err != nil || !strings.Contains(b.String(), "keepalive_timeout 300ms;") {
		t.Errorf("KeepaliveTimeout not applied (%v):\n%s", err, b.String())
	}
}

// TestNginxAcceptsConfig asks nginx itself (when installed) whether the
// rendered config is valid, since nginx-light lacks some modules.
func TestNginxAcceptsConfig(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx not installed")
		}
		bin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	var b bytes.Buffer
	c := NginxConfig{Dir: dir, Addr: "127.0.0.1:9", NoFile: 1024, WorkerConnections: 512}
	if err := WriteNginxConfig(&b, c); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-t", "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestPipelineLuaEmbedded(t *testing.T) {
	if !bytes.Contains(PipelineLua, []byte("function request()")) {
		t.Fatal("pipeline.lua not embedded")
	}
}
