package procstat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TicksPerSecond is USER_HZ, the unit of utime/stime in /proc/PID/stat. It
// is fixed at 100 by the kernel ABI on every architecture Go runs on Linux.
const TicksPerSecond = 100

// ErrFormat means a /proc file did not look as documented in proc(5).
var ErrFormat = errors.New("procstat: unexpected format")

// Stat is the part of /proc/PID/stat the harness uses.
type Stat struct {
	PPID  int
	UTime uint64 // clock ticks, all threads of the process, live and exited
	STime uint64
}

// ParseStat parses one /proc/PID/stat line. The command name (field 2) is in
// parentheses and may itself hold spaces and ')', so fields are counted from
// the last ')'.
func ParseStat(line string) (Stat, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("%w: stat %q", ErrFormat, line)
	}
	f := strings.Fields(line[i+1:])
	// f[0] is field 3 (state); proc(5) numbers ppid 4, utime 14, stime 15.
	if len(f) < 13 {
		return Stat{}, fmt.Errorf("%w: stat has %d fields after comm", ErrFormat, len(f))
	}
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseUint(f[11], 10, 64)
	st, err3 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Stat{}, fmt.Errorf("%w: stat: %v", ErrFormat, err)
	}
	return Stat{PPID: ppid, UTime: ut, STime: st}, nil
}

// ParseVmRSS returns VmRSS in KiB from the text of /proc/PID/status.
func ParseVmRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%w: VmRSS line %q", ErrFormat, line)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("%w: no VmRSS (kernel thread or zombie?)", ErrFormat)
}

// Proc reads /proc under Root; the zero value reads the real /proc. Tests
// point Root at a fake tree.
type Proc struct{ Root string }

func (p Proc) root() string {
	if p.Root == "" {
		return "/proc"
	}
	return p.Root
}

// Stat reads /proc/PID/stat.
func (p Proc) Stat(pid int) (Stat, error) {
	b, err := os.ReadFile(filepath.Join(p.root(), strconv.Itoa(pid), "stat"))
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(string(b))
}

// RSS reads VmRSS (KiB) of one process.
func (p Proc) RSS(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join(p.root(), strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	return ParseVmRSS(string(b))
}
