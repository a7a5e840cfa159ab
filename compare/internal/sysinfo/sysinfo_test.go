package sysinfo

import "testing"

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel(info); got != "AMD EPYC 7B13" {
		t.Fatalf("cpuModel = %q", got)
	}
	if got := cpuModel("processor : 0\n"); got != "unknown" {
		t.Fatalf("cpuModel without a model = %q", got)
	}
}

func TestFirstLine(t *testing.T) {
	if got := FirstLine("\n  nginx version: nginx/1.22.1 \nmore\n"); got != "nginx version: nginx/1.22.1" {
		t.Fatalf("FirstLine = %q", got)
	}
	if got := FirstLine(" \n"); got != "unknown" {
		t.Fatalf("FirstLine of blank = %q", got)
	}
	if got := Command(""); got != "unknown" {
		t.Fatalf("Command(\"\") = %q", got)
	}
}
