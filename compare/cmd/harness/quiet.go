package main

import "time"

// waitQuiet holds off until the machine has been quiet (under busyOther of
// a core used) for one probe, or until -quiet-wait runs out: on a shared
// machine a build or test run next to the benchmark swamps the numbers. A
// run that starts busy anyway is flagged by runWrk.
func (h *harness) waitQuiet() {
	const probe = 500 * time.Millisecond
	deadline := time.Now().Add(h.cfg.quietWait)
	for warned := false; ; {
		b0, err0 := h.proc.SystemBusy()
		time.Sleep(probe)
		b1, err1 := h.proc.SystemBusy()
		if err0 != nil || err1 != nil {
			return
		}
		busy := ticksToSec(b1-b0) / probe.Seconds()
		if busy <= busyOther || time.Now().After(deadline) {
			return
		}
		if !warned {
			h.logf("machine busy (%.0f%% of a core used by others); waiting up to %v", 100*busy, h.cfg.quietWait)
			warned = true
		}
	}
}
