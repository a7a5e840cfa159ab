// Package sysinfo describes the machine a benchmark ran on (CPU model,
// kernel, tool versions) for the reports. Tools that cannot be asked are
// reported as "unknown" rather than failing the run.
package sysinfo

import (
	"os"
	"os/exec"
	"strings"
)

// CPUModel is the first "model name" of /proc/cpuinfo.
func CPUModel() string { return cpuModel(readFile("/proc/cpuinfo")) }

func cpuModel(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// Kernel is the running kernel's release.
func Kernel() string { return strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")) }

// NginxVersion asks nginx -v, which answers on stderr: "nginx/1.22.1".
func NginxVersion(bin string) string {
	return strings.TrimPrefix(FirstLine(Command(bin, "-v")), "nginx version: ")
}

// WrkVersion trims "wrk 4.1.0 [epoll] Copyright (C) 2012 Will Glozer".
func WrkVersion() string {
	v, _, _ := strings.Cut(FirstLine(Command("wrk", "-v")), " Copyright")
	return v
}

// Command returns stdout and stderr together: nginx -v writes to stderr
// and wrk -v exits 1, so neither the stream nor the status is trusted.
func Command(name string, args ...string) string {
	if name == "" {
		return "unknown"
	}
	out, _ := exec.Command(name, args...).CombinedOutput()
	return string(out)
}

// FirstLine is the first line of s, trimmed, or "unknown".
func FirstLine(s string) string {
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
