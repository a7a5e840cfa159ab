package procstat

import (
	"os"
	"strconv"
)

// Tree returns pid and all its descendants. A server that forks workers
// (nginx with master_process on) is measured whole this way; for the
// single-process peers it is just pid. Descendants are found by scanning
// every process's ppid, which needs no kernel option (unlike
// /proc/PID/task/TID/children).
func (p Proc) Tree(pid int) ([]int, error) {
	if _, err := p.Stat(pid); err != nil {
		return nil, err
	}
	kids := p.childMap()
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out, nil
}

// childMap maps each ppid to its children. Processes that vanish while the
// directory is read are skipped: they no longer use CPU or memory.
func (p Proc) childMap() map[int][]int {
	ents, _ := os.ReadDir(p.root())
	kids := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := p.Stat(pid); err == nil {
			kids[s.PPID] = append(kids[s.PPID], pid)
		}
	}
	return kids
}

// CPUTicks is utime+stime summed over pid's tree. /proc/PID/stat already
// sums all threads of a process (exited ones included), so threads need no
// separate visit. Children that exit mid-run are lost; none of the peers
// forks during a run.
func (p Proc) CPUTicks(pid int) (uint64, error) {
	tree, err := p.Tree(pid)
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, q := range tree {
		if s, err := p.Stat(q); err == nil {
			sum += s.UTime + s.STime
		}
	}
	return sum, nil
}

// RSSKiB is VmRSS summed over pid's tree (shared pages count once per
// process, which only matters for a forking server).
func (p Proc) RSSKiB(pid int) (int64, error) {
	tree, err := p.Tree(pid)
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, q := range tree {
		if kb, err := p.RSS(q); err == nil {
			sum += kb
		}
	}
	return sum, nil
}

// FDs counts pid's open file descriptors (its own, not its tree's).
func (p Proc) FDs(pid int) (int, error) {
	ents, err := os.ReadDir(p.root() + "/" + strconv.Itoa(pid) + "/fd")
	return len(ents), err
}
