package testrig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// NginxConfig says how to run nginx. The zero value serves "Hello,
// World!" with the defaults noted.
type NginxConfig struct {
	// Body is the answer to every request, status 200, text/plain.
	// Default "Hello, World!". nginx would expand a '$' as a variable, so
	// a body with one is refused.
	Body string
	// KeepaliveTimeout is keepalive_timeout's value as nginx reads it
	// ("300ms", or "3s 3" to also advertise Keep-Alive: timeout=3).
	// Default "300s", longer than any test or benchmark run.
	KeepaliveTimeout string
	// KeepaliveRequests is keepalive_requests. Default 100000.
	KeepaliveRequests int
	// Directives are more directives for the http block, such as
	// "client_header_timeout 2s;" or an upstream block.
	Directives string
	// Location is what location / does. Default: return 200 with Body.
	// A reverse proxy: "proxy_pass http://backend;" with an upstream
	// block named backend in Directives.
	Location string
	// Workers is worker_processes. Default 1: one process, no master
	// (see nginxConf); more runs a master and that many workers.
	Workers int
	// NoFile is worker_rlimit_nofile. Default 1024.
	NoFile int
	// Prefix runs nginx through programs that exec it in place (taskset,
	// prlimit), so that the PID started is nginx's own.
	Prefix []string
	// Bin is the nginx binary. Default FindNginx.
	Bin string
	// Dir holds the configuration, pid file, logs and temp files.
	// Default: a new temp dir, removed by Stop.
	Dir string
	// TLS, when set, makes nginx serve HTTPS with this certificate.
	TLS *NginxTLS
}

// NginxTLS is what an HTTPS nginx serves with: TLS 1.2 and 1.3, and a
// shared session cache (ssl_session_cache), as a production server is
// configured, so that clients can resume their sessions.
type NginxTLS struct {
	CertPEM, KeyPEM []byte // the certificate (chain) and its key, PEM
}

// nginxConf is the whole configuration. The choices:
//   - daemon off, master_process off: one process that accepts and serves,
//     owned by whoever started it and stopped with a signal; its CPU time
//     and memory are the whole server's, like a single-process Go server's.
//   - worker_connections twice the fd limit: nginx closes idle keep-alive
//     connections once fewer than 1/16 of worker_connections are free,
//     which would cut an idle-connection test short; the fd limit is the
//     real cap.
//   - every file nginx writes (pid, logs, temp files) is in Dir.
var nginxConf = template.Must(template.New("nginx.conf").Option("missingkey=error").Parse(`daemon off;
master_process {{if gt .Workers 1}}on{{else}}off{{end}};
worker_processes {{.Workers}};
worker_rlimit_nofile {{.NoFile}};
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log crit;

events {
    worker_connections {{.WorkerConnections}};
}

http {
    access_log off;
    client_body_temp_path {{.Dir}}/client_body;
    proxy_temp_path {{.Dir}}/proxy;
    fastcgi_temp_path {{.Dir}}/fastcgi;
    uwsgi_temp_path {{.Dir}}/uwsgi;
    scgi_temp_path {{.Dir}}/scgi;

    keepalive_requests {{.KeepaliveRequests}};
    keepalive_timeout {{.KeepaliveTimeout}};
    default_type text/plain;
    {{.Directives}}

    server {
        listen {{.Addr}}{{if .TLS}} ssl{{end}};
{{- if .TLS}}
        ssl_certificate {{.Dir}}/tls-cert.pem;
        ssl_certificate_key {{.Dir}}/tls-key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 1h;
{{- end}}
        location / {
            {{.Location}}
        }
    }
}
`))

// location is the body of location /.
func (c NginxConfig) location() string {
	if c.Location != "" {
		return c.Location
	}
	return `return 200 "` + nginxQuote.Replace(c.Body) + `";`
}

// nginxQuote escapes a body for a double-quoted nginx string.
var nginxQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// FindNginx returns the nginx binary: from PATH, else Debian's
// /usr/sbin/nginx (sbin is not in every PATH), else ErrNoNginx.
func FindNginx() (string, error) { return findBinary("nginx", ErrNoNginx) }

// findBinary returns the program name: from PATH, else Debian's
// /usr/sbin (sbin is not in every PATH), else notFound.
func findBinary(name string, notFound error) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/" + name); err == nil {
		return "/usr/sbin/" + name, nil
	}
	return "", notFound
}

// withDefaults fills the zero fields, except Dir.
func (c NginxConfig) withDefaults() (NginxConfig, error) {
	if c.Body == "" {
		c.Body = "Hello, World!"
	}
	if strings.Contains(c.Body, "$") {
		return c, ErrNginxBody
	}
	if c.KeepaliveTimeout == "" {
		c.KeepaliveTimeout = "300s"
	}
	if c.KeepaliveRequests == 0 {
		c.KeepaliveRequests = 100000
	}
	if c.NoFile == 0 {
		c.NoFile = 1024
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.Bin == "" {
		bin, err := FindNginx()
		if err != nil {
			return c, err
		}
		c.Bin = bin
	}
	return c, nil
}

// Command writes the configuration for nginx listening on addr into
// c.Dir, which must exist, and returns the command line that runs nginx
// on it in the foreground, Prefix first.
func (c NginxConfig) Command(addr string) ([]string, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	if c.TLS != nil {
		for name, b := range map[string][]byte{"tls-cert.pem": c.TLS.CertPEM, "tls-key.pem": c.TLS.KeyPEM} {
			if err := os.WriteFile(filepath.Join(c.Dir, name), b, 0o600); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	err = nginxConf.Execute(&b, map[string]any{
		"Dir": c.Dir, "Addr": addr, "NoFile": c.NoFile, "WorkerConnections": 2 * c.NoFile,
		"KeepaliveRequests": c.KeepaliveRequests, "KeepaliveTimeout": c.KeepaliveTimeout,
		"Directives": c.Directives, "Workers": c.Workers, "Location": c.location(), "TLS": c.TLS != nil,
	})
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(c.Dir, "nginx.conf")
	if err := os.WriteFile(conf, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	argv := append([]string(nil), c.Prefix...)
	return append(argv, c.Bin, "-p", c.Dir, "-c", conf, "-e", filepath.Join(c.Dir, "error.log")), nil
}

// Nginx is a running nginx. Its owner must Stop it.
type Nginx struct {
	Addr string // host:port on loopback
	Bin  string // the binary run
	PID  int    // nginx's own: the Prefix programs exec it in place
	Dir  string // configuration, logs (error.log, output.log), temp files

	stop      context.CancelFunc // ends the command's context: SIGTERM (cmd.Cancel), SIGKILL 5 s later (cmd.WaitDelay)
	exited    chan struct{}      // closed once the process has been waited for
	removeDir bool               // Dir was made by RunNginx
}

// RunNginx starts nginx on a free loopback port and returns once it
// accepts connections.
func RunNginx(c NginxConfig) (*Nginx, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	removeDir := c.Dir == ""
	if removeDir {
		if c.Dir, err = os.MkdirTemp("", "testrig-nginx-"); err != nil {
			return nil, err
		}
	}
	// The free port is closed before nginx binds it, and another process
	// may take it in between: try a few.
	for attempt := 1; ; attempt++ {
		n, err := startNginxOnce(c)
		if err == nil {
			n.removeDir = removeDir
			return n, nil
		}
		if attempt == 5 {
			if removeDir {
				os.RemoveAll(c.Dir)
			}
			return nil, err
		}
	}
}

func startNginxOnce(c NginxConfig) (*Nginx, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	argv, err := c.Command(addr)
	if err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(c.Dir, "output.log"))
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own copy
	ctx, stop := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second // then SIGKILL
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		stop()
		return nil, fmt.Errorf("%w: %v", ErrNginxStart, err)
	}
	n := &Nginx{Addr: addr, Bin: c.Bin, PID: cmd.Process.Pid, Dir: c.Dir, stop: stop, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(n.exited)
	}()
	if err := n.waitReady(10 * time.Second); err != nil {
		n.stop()
		<-n.exited
		return nil, err
	}
	return n, nil
}

// waitReady dials until nginx accepts, exits, or limit passes.
func (n *Nginx) waitReady(limit time.Duration) error {
	if err := waitListening(n.Addr, limit, n.Alive); err != errNotListening {
		return err
	}
	return fmt.Errorf("%w: not listening on %s after %v: %s", ErrNginxStart, n.Addr, limit, n.logs())
}

// waitListening dials addr until it accepts (nil), exited reports the
// process gone (its error), or limit passes (errNotListening).
func waitListening(addr string, limit time.Duration, exited func() error) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := exited(); err != nil {
			return err
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
	}
	return errNotListening
}

// Alive returns an error, with nginx's last words, once it has exited.
func (n *Nginx) Alive() error {
	select {
	case <-n.exited:
		return fmt.Errorf("%w: exited: %s", ErrNginxStart, n.logs())
	default:
		return nil
	}
}

// logs is the end of nginx's output and error log, for error messages.
func (n *Nginx) logs() string {
	var b []byte
	for _, name := range []string{"output.log", "error.log"} {
		f, _ := os.ReadFile(filepath.Join(n.Dir, name))
		b = append(b, bytes.TrimSpace(f)...)
		b = append(b, ' ')
	}
	s := strings.TrimSpace(string(b))
	switch {
	case s == "":
		return "(no output)"
	case len(s) > 500:
		return "…" + s[len(s)-500:]
	}
	return s
}

// Stop ends nginx (SIGTERM, then SIGKILL after 5 s) and removes the temp
// dir RunNginx made.
func (n *Nginx) Stop() {
	n.stop()
	<-n.exited
	if n.removeDir {
		os.RemoveAll(n.Dir)
	}
}

// StartNginx is RunNginx for a test: its files go in t.TempDir, it is
// stopped when the test ends, and the test is skipped when nginx is not
// installed and fails if nginx does not start.
func StartNginx(t testing.TB, c NginxConfig) *Nginx {
	t.Helper()
	if c.Dir == "" {
		c.Dir = t.TempDir()
	}
	n, err := RunNginx(c)
	if errors.Is(err, ErrNoNginx) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n
}

// FreeAddr picks a loopback address the kernel says is free, a new one each
// time, so that no TIME_WAIT or lingering socket of an earlier run is in
// the way. Another process may take it before the caller binds it.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
