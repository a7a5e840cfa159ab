package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"holdfast/compare"
	"holdfast/compare/internal/procstat"
	"holdfast/compare/internal/proxypeer"
	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// harness is one run's state; it is used from one goroutine.
type harness struct {
	cfg       config
	moduleDir string // the compare module
	binDir    string // temp dir: built binaries and the Lua script
	peerBin   string
	idleBin   string
	benchBin  string // the holdfast command, for holdfast bench
	nginxBin  string
	luaPath   string
	cert      *selfsigned.Cert // what the TLS scenarios serve
	certFile  string
	keyFile   string
	proc      procstat.Proc
	stamp     string   // names this run's files in results/
	notes     []string // go into the report
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "harness: "+format+"\n", args...)
}

// setup makes sure the tools exist, builds the Go programs and writes the
// Lua script. The caller removes h.binDir.
func (h *harness) setup() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	h.moduleDir = filepath.Dir(strings.TrimSpace(string(out)))
	if err := h.ensureTools(); err != nil {
		return err
	}
	if h.binDir, err = os.MkdirTemp("", "compare-bin-"); err != nil {
		return err
	}
	h.luaPath = filepath.Join(h.binDir, "pipeline.lua")
	if err := os.WriteFile(h.luaPath, compare.PipelineLua, 0o644); err != nil {
		return err
	}
	if err := h.buildPeer(); err != nil {
		return err
	}
	if err := h.setupTLS(); err != nil {
		return err
	}
	h.idleBin = filepath.Join(h.binDir, "idleconns")
	return h.goBuild(h.idleBin, "./cmd/idleconns")
}

// setupTLS makes the certificate the TLS scenarios serve and builds the
// holdfast command their client (holdfast bench) runs.
func (h *harness) setupTLS() error {
	var err error
	if h.cert, err = selfsigned.New([]string{"127.0.0.1", "localhost"}, time.Time{}, time.Time{}); err != nil {
		return err
	}
	h.certFile, h.keyFile = filepath.Join(h.binDir, "cert.pem"), filepath.Join(h.binDir, "key.pem")
	if err := os.WriteFile(h.certFile, h.cert.CertPEM, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(h.keyFile, h.cert.KeyPEM, 0o600); err != nil {
		return err
	}
	// Built in holdfast's own module (the parent directory), whose
	// dependencies it needs.
	h.benchBin = filepath.Join(h.binDir, "holdfast")
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", h.benchBin, "./cmd/holdfast")
	cmd.Dir = filepath.Dir(h.moduleDir)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building holdfast: %v: %s", err, lastLines(b, 4))
	}
	return nil
}

// ensureTools installs wrk and nginx from Debian when missing, and the
// reverse proxies the proxy scenarios compare (HAProxy, Caddy), since the
// harness may run on a fresh machine; taskset and prlimit come with
// util-linux and are only checked.
func (h *harness) ensureTools() error {
	needNginx := h.wants("nginx") || h.wantsProxies()
	var missing []string
	if _, err := exec.LookPath("wrk"); err != nil {
		missing = append(missing, "wrk")
	}
	if h.nginxBin, _ = testrig.FindNginx(); h.nginxBin == "" && needNginx {
		missing = append(missing, "nginx-light")
	}
	missing = append(missing, h.missingProxies()...)
	if len(missing) > 0 {
		if err := aptInstall(h, missing); err != nil {
			return err
		}
		h.nginxBin, _ = testrig.FindNginx()
	}
	for _, t := range []string{"wrk", "taskset", "prlimit"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not found after install: %w", t, err)
		}
	}
	if needNginx && h.nginxBin == "" {
		return errors.New("nginx not found after install")
	}
	if still := h.missingProxies(); len(still) > 0 {
		return fmt.Errorf("%s not found after install", strings.Join(still, ", "))
	}
	return nil
}

// missingProxies are the Debian packages of the proxies the proxy
// scenarios need and do not find, nginx aside.
func (h *harness) missingProxies() []string {
	if !h.wantsProxies() {
		return nil
	}
	var pkgs []string
	for _, kind := range proxypeer.Missing(h.cfg.proxies, proxypeer.FindBins()) {
		if kind != "nginx" {
			pkgs = append(pkgs, proxypeer.Packages[kind])
		}
	}
	return pkgs
}

func aptInstall(h *harness, pkgs []string) error {
	h.logf("installing %s with apt-get (missing)", strings.Join(pkgs, " "))
	for _, argv := range [][]string{{"update"}, append([]string{"install", "-y"}, pkgs...)} {
		cmd := exec.Command("apt-get", argv...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", argv[0], err)
		}
	}
	return nil
}

func (h *harness) wants(kind string) bool {
	for _, s := range h.cfg.servers {
		if s.Kind == kind {
			return true
		}
	}
	return false
}

// buildPeer builds cmd/peer, holdfast included.
func (h *harness) buildPeer() error {
	h.peerBin = filepath.Join(h.binDir, "peer")
	return h.goBuild(h.peerBin, "./cmd/peer")
}

func (h *harness) goBuild(out, pkg string, flags ...string) error {
	// -buildvcs=false: the binaries are throwaway, and VCS stamping fails
	// in a checkout without commits.
	args := append(append([]string{"build", "-buildvcs=false"}, flags...), "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = h.moduleDir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, lastLines(b, 4))
	}
	return nil
}

func (h *harness) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	h.logf("%s", n)
	h.notes = append(h.notes, n)
}
