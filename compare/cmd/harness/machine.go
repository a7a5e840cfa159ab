package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"

	"holdfast/compare/internal/report"
)

// machine describes the box the numbers came from; tools that cannot be
// asked are reported as "unknown" rather than failing the run.
func (h *harness) machine() report.Machine {
	return report.Machine{
		CPU:    cpuModel(),
		Cores:  runtime.NumCPU(),
		Kernel: strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		Go:     firstLine(command("go", "version")),
		Nginx:  strings.TrimPrefix(firstLine(command(h.nginxBin, "-v")), "nginx version: "),
		Wrk:    wrkVersion(command("wrk", "-v")),
	}
}

func cpuModel() string {
	for _, line := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// wrkVersion trims "wrk 4.1.0 [epoll] Copyright (C) 2012 Will Glozer".
func wrkVersion(out string) string {
	v, _, _ := strings.Cut(firstLine(out), " Copyright")
	return v
}

// command returns stdout and stderr together: nginx -v writes to stderr
// and wrk -v exits 1, so neither the stream nor the status is trusted.
func command(name string, args ...string) string {
	if name == "" {
		return "unknown"
	}
	out, _ := exec.Command(name, args...).CombinedOutput()
	return string(out)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if line == "" {
		return "unknown"
	}
	return strings.TrimSpace(line)
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
