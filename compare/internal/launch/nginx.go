package launch

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"holdfast/compare"
)

// FindNginx looks in PATH and in /usr/sbin, which is not in every PATH; it
// returns "" when nginx is not installed.
func FindNginx() string {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	return ""
}

// NginxArgv renders compare's nginx template for c into c.Dir/nginx.conf
// and returns the command line that runs nginx on it, with every file
// nginx writes kept in c.Dir.
func NginxArgv(bin string, c compare.NginxConfig) ([]string, error) {
	var b bytes.Buffer
	if err := compare.WriteNginxConfig(&b, c); err != nil {
		return nil, err
	}
	conf := filepath.Join(c.Dir, "nginx.conf")
	if err := os.WriteFile(conf, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return []string{bin, "-p", c.Dir, "-c", conf, "-e", filepath.Join(c.Dir, "error.log")}, nil
}

// Nginx is a running nginx with its own temp dir.
type Nginx struct {
	*Process
	Bin  string
	Addr string
	dir  string
}

// NginxSpec is what StartNginx needs; zero fields take the defaults noted.
type NginxSpec struct {
	Bin              string // default: FindNginx
	CPU              string // taskset -c; empty: not pinned
	NoFile           int    // default 4096
	KeepaliveTimeout string // default 300s (compare.NginxConfig)
}

// StartNginx starts nginx (one process, one worker, the template's
// settings) on a free loopback port, and waits until it accepts
// connections.
func StartNginx(s NginxSpec) (*Nginx, error) {
	if s.Bin == "" {
		if s.Bin = FindNginx(); s.Bin == "" {
			return nil, fmt.Errorf("nginx not found (apt-get install nginx-light)")
		}
	}
	if s.NoFile == 0 {
		s.NoFile = 4096
	}
	dir, err := os.MkdirTemp("", "compare-nginx-")
	if err != nil {
		return nil, err
	}
	// A free port can be taken by another process before nginx binds it:
	// try a few.
	for attempt := 0; ; attempt++ {
		n, err := startNginxOnce(s, dir)
		if err == nil || attempt == 4 {
			if err != nil {
				os.RemoveAll(dir)
			}
			return n, err
		}
	}
}

func startNginxOnce(s NginxSpec, dir string) (*Nginx, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	argv, err := NginxArgv(s.Bin, compare.NginxConfig{
		Dir: dir, Addr: addr, NoFile: s.NoFile, WorkerConnections: 2 * s.NoFile,
		KeepaliveTimeout: s.KeepaliveTimeout,
	})
	if err != nil {
		return nil, err
	}
	p, err := Start(Spec{Name: "nginx", Argv: argv, CPU: s.CPU, NoFile: s.NoFile})
	if err != nil {
		return nil, err
	}
	if err := p.WaitReady(5*time.Second, func() error { return dialOnce(addr) }); err != nil {
		p.Stop()
		return nil, err
	}
	return &Nginx{Process: p, Bin: s.Bin, Addr: addr, dir: dir}, nil
}

func dialOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// Stop stops nginx and removes its temp dir.
func (n *Nginx) Stop() {
	n.Process.Stop()
	os.RemoveAll(n.dir)
}
