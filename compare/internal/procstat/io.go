package procstat

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// IO is the part of /proc/PID/io a client benchmark uses: how many read
// and write system calls the process made (read(2) and write(2) and their
// vector forms; recvfrom and sendto are not counted).
type IO struct {
	SysCR, SysCW uint64
}

// ParseIO parses the text of /proc/PID/io.
func ParseIO(text string) (IO, error) {
	var io IO
	var seen int
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *uint64
		switch k {
		case "syscr":
			dst = &io.SysCR
		case "syscw":
			dst = &io.SysCW
		default:
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return io, fmt.Errorf("%w: io %q", ErrFormat, line)
		}
		*dst = n
		seen++
	}
	if seen != 2 {
		return io, fmt.Errorf("%w: io lacks syscr or syscw", ErrFormat)
	}
	return io, nil
}

// IO reads /proc/PID/io (readable for one's own processes).
func (p Proc) IO(pid int) (IO, error) {
	b, err := os.ReadFile(filepath.Join(p.root(), strconv.Itoa(pid), "io"))
	if err != nil {
		return IO{}, err
	}
	return ParseIO(string(b))
}
