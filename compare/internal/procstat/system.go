package procstat

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseSystemBusy returns the busy ticks of all CPUs from the text of
// /proc/stat: user+nice+system+irq+softirq+steal (guest time is already in
// user), leaving out idle and iowait.
func ParseSystemBusy(stat string) (uint64, error) {
	line, _, _ := strings.Cut(stat, "\n")
	return busyTicks(line, "cpu")
}

// ParseCPUBusy returns the busy ticks of one CPU (its "cpuN" line) from the
// text of /proc/stat, counted as ParseSystemBusy counts them.
func ParseCPUBusy(stat string, cpu int) (uint64, error) {
	name := "cpu" + strconv.Itoa(cpu)
	for line := range strings.Lines(stat) {
		if strings.HasPrefix(line, name+" ") {
			return busyTicks(line, name)
		}
	}
	return 0, fmt.Errorf("%w: /proc/stat has no %s line", ErrFormat, name)
}

func busyTicks(line, name string) (uint64, error) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != name {
		return 0, fmt.Errorf("%w: /proc/stat line %q", ErrFormat, line)
	}
	var sum uint64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system _ _ irq softirq steal
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: /proc/stat: %v", ErrFormat, err)
		}
		sum += v
	}
	return sum, nil
}

// SystemBusy reads the machine-wide busy ticks. The harness compares them
// with the server's and the client's own ticks to see whether anything else
// ran during a measurement (a shared machine makes numbers worthless).
func (p Proc) SystemBusy() (uint64, error) {
	b, err := os.ReadFile(filepath.Join(p.root(), "stat"))
	if err != nil {
		return 0, err
	}
	return ParseSystemBusy(string(b))
}

// CPUBusy reads the busy ticks of one CPU: beside a process pinned to it,
// what else ran there.
func (p Proc) CPUBusy(cpu int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(p.root(), "stat"))
	if err != nil {
		return 0, err
	}
	return ParseCPUBusy(string(b), cpu)
}
