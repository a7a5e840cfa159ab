package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/sysinfo"
)

// buildGo builds a Go program into dir: pkg is a package of this module
// ("./cmd/peer"), or of holdfast's ("holdfast/cmd/holdfast"), which is
// built in holdfast's module, with its own dependencies.
func buildGo(dir, name, pkg string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", out, pkg)
	if strings.HasPrefix(pkg, "holdfast/") {
		cmd.Dir = filepath.Dir(moduleDir())
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v: %s", pkg, err, b)
	}
	return out, nil
}

// stampLayout names result files; it sorts by time and is safe in paths.
const stampLayout = "2006-01-02-150405"

// writeReport prints md and writes it to <results>/<stamp>-<what>.md.
func writeReport(cfg config, what, md string) error {
	dir := cfg.out
	if dir == "" {
		dir = filepath.Join(moduleDir(), "results")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := filepath.Join(dir, time.Now().UTC().Format(stampLayout)+"-"+what+".md")
	if err := os.WriteFile(file, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	logf("wrote %s", file)
	return nil
}

// moduleDir is the compare module's directory ("." when go cannot say).
func moduleDir() string {
	if gomod, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if m := strings.TrimSpace(string(gomod)); m != "" && m != os.DevNull {
			return filepath.Dir(m)
		}
	}
	return "."
}

// header is a report's title, command and machine lines.
func header(cfg config, title string) string {
	var parts []string
	for _, a := range cfg.args {
		if strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return fmt.Sprintf("# %s, %s\n\nCommand: `go run ./cmd/proxybench %s`\n\nMachine: %s (%d cores), kernel %s, %s.\n\n",
		title, time.Now().UTC().Format(time.RFC3339), strings.Join(parts, " "),
		sysinfo.CPUModel(), runtime.NumCPU(), sysinfo.Kernel(), runtime.Version())
}
