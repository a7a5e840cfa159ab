package procstat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// statLine builds a /proc/PID/stat line like the kernel's, with the given
// comm, ppid, utime and stime and the real field count.
func statLine(pid int, comm string, ppid int, ut, st uint64) string {
	return fmt.Sprintf("%d (%s) S %d 1 1 0 -1 4194304 100 0 0 0 %d %d 0 0 20 0 1 0 44990 3133440 389 "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n", pid, comm, ppid, ut, st)
}

func TestParseStat(t *testing.T) {
	// A captured line from `cat /proc/self/stat` (utime 0, stime 0), and
	// names that try to confuse a naive split.
	real := "13555 (cat) R 13551 13551 3119 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 44990 3133440 389 18446744073709551615 94204580503552 94204580523433 140727720958032 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94204580539440 94204580541056 94205276123136 140727720966833 140727720966853 140727720966853 140727720968171 0"
	cases := []struct {
		line string
		want Stat
	}{
		{real, Stat{PPID: 13551}},
		{statLine(7, "nginx: worker", 1, 1234, 567), Stat{PPID: 1, UTime: 1234, STime: 567}},
		{statLine(8, "a) S 9 (b", 3, 5, 6), Stat{PPID: 3, UTime: 5, STime: 6}},
	}
	for _, c := range cases {
		got, err := ParseStat(c.line)
		if err != nil || got != c.want {
			t.Errorf("ParseStat(%.40q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "1 (x) S 1 2 3", "1 (x) S p 1 1 0 -1 0 0 0 0 0 u s"} {
		if _, err := ParseStat(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseStat(%q) err = %v, want ErrFormat", bad, err)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tcat\nVmPeak:\t    5000 kB\nVmRSS:\t    2020 kB\nRssAnon:\t 100 kB\n"
	if got, err := ParseVmRSS(status); err != nil || got != 2020 {
		t.Fatalf("ParseVmRSS = %d, %v; want 2020", got, err)
	}
	if _, err := ParseVmRSS("Name:\tkthreadd\n"); !errors.Is(err, ErrFormat) {
		t.Fatalf("missing VmRSS: err = %v", err)
	}
}

// fakeProc lays out /proc/<pid>/{stat,status} for a tree.
func fakeProc(t *testing.T, procs map[int][4]uint64) Proc { // pid -> ppid, ut, st, rss
	t.Helper()
	root := t.TempDir()
	for pid, v := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, "stat"), statLine(pid, "p", int(v[0]), v[1], v[2]))
		write(t, filepath.Join(dir, "status"), fmt.Sprintf("Name:\tp\nVmRSS:\t%d kB\n", v[3]))
	}
	write(t, filepath.Join(root, "self"), "not a pid dir")
	return Proc{Root: root}
}

func write(t *testing.T, path, s string) {
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTreeSums(t *testing.T) {
	p := fakeProc(t, map[int][4]uint64{
		1:  {0, 1000, 1000, 9999}, // init: not in the tree
		10: {1, 100, 50, 4000},    // the server
		11: {10, 7, 3, 1000},      // a worker
		12: {11, 1, 1, 10},        // a worker's child
		20: {1, 500, 500, 5000},   // unrelated
	})
	if got, err := p.CPUTicks(10); err != nil || got != 162 {
		t.Errorf("CPUTicks = %d, %v; want 162", got, err)
	}
	if got, err := p.RSSKiB(10); err != nil || got != 5010 {
		t.Errorf("RSSKiB = %d, %v; want 5010", got, err)
	}
	if _, err := p.CPUTicks(99); err == nil {
		t.Error("CPUTicks of a missing pid succeeded")
	}
}

// TestSelf reads this test process from the real /proc, checking that the
// parsers match what this kernel writes.
func TestSelf(t *testing.T) {
	pid := os.Getpid()
	var p Proc
	if _, err := p.CPUTicks(pid); err != nil {
		t.Fatal(err)
	}
	if kb, err := p.RSSKiB(pid); err != nil || kb <= 0 {
		t.Fatalf("RSSKiB = %d, %v", kb, err)
	}
	if n, err := p.FDs(pid); err != nil || n < 3 {
		t.Fatalf("FDs = %d, %v", n, err)
	}
}

func TestParseSystemBusy(t *testing.T) {
	stat := "cpu  100 2 30 5000 7 1 4 5 9 0\ncpu0 50 1 15 2500 3 1 2 3 0 0\nintr 1\n"
	if got, err := ParseSystemBusy(stat); err != nil || got != 142 {
		t.Fatalf("ParseSystemBusy = %d, %v; want 142", got, err)
	}
	if _, err := ParseSystemBusy("intr 1\n"); !errors.Is(err, ErrFormat) {
		t.Fatalf("bad first line: err = %v", err)
	}
	var p Proc
	if _, err := p.SystemBusy(); err != nil {
		t.Fatalf("real /proc/stat: %v", err)
	}
}

func TestParseCPUBusy(t *testing.T) {
	stat := "cpu  100 2 30 5000 7 1 4 5 9 0\ncpu0 50 1 15 2500 3 1 2 3 0 0\ncpu1 50 1 15 2500 4 0 2 2 9 0\nintr 1\n"
	if got, err := ParseCPUBusy(stat, 0); err != nil || got != 72 {
		t.Fatalf("cpu0 = %d, %v; want 72", got, err)
	}
	if got, err := ParseCPUBusy(stat, 1); err != nil || got != 70 {
		t.Fatalf("cpu1 = %d, %v; want 70", got, err)
	}
	if _, err := ParseCPUBusy(stat, 2); !errors.Is(err, ErrFormat) {
		t.Fatalf("no cpu2: err = %v", err)
	}
}

func TestParseIO(t *testing.T) {
	text := "rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 3\nread_bytes: 4096\n"
	if got, err := ParseIO(text); err != nil || got != (IO{SysCR: 10, SysCW: 3}) {
		t.Fatalf("ParseIO = %+v, %v", got, err)
	}
	for _, bad := range []string{"rchar: 1\n", "syscr: x\nsyscw: 1\n"} {
		if _, err := ParseIO(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseIO(%q) err = %v, want ErrFormat", bad, err)
		}
	}
	if _, err := (Proc{}).IO(os.Getpid()); err != nil {
		t.Fatalf("real /proc/self/io: %v", err)
	}
}
