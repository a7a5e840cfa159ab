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
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("%w: /proc/stat first line %q", ErrFormat, line)
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
