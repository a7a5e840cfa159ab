package main

// waitQuiet holds off until the machine has been quiet (under busyOther of
// a core used) for one probe, or until -quiet-wait runs out. A run that
// starts busy anyway is flagged by runWrk.
func (h *harness) waitQuiet() {
	h.proc.WaitQuiet(busyOther, h.cfg.quietWait, func(busy float64) {
		h.logf("machine busy (%.0f%% of a core used by others); waiting up to %v", 100*busy, h.cfg.quietWait)
	})
}
