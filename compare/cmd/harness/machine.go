package main

import (
	"runtime"

	"holdfast/compare/internal/report"
	"holdfast/compare/internal/sysinfo"
)

// machine describes the box the numbers came from.
func (h *harness) machine() report.Machine {
	return report.Machine{
		CPU:    sysinfo.CPUModel(),
		Cores:  runtime.NumCPU(),
		Kernel: sysinfo.Kernel(),
		Go:     sysinfo.FirstLine(sysinfo.Command("go", "version")),
		Nginx:  sysinfo.NginxVersion(h.nginxBin),
		Wrk:    sysinfo.WrkVersion(),
	}
}
