package procstat

import "time"

// WaitQuiet holds off until the machine has been quiet (under threshold of
// one core busy, all processes together) for one half-second probe, or
// until maxWait runs out: on a shared machine a build or test run next to a
// benchmark swamps its numbers. warn, if not nil, is called once, with the
// busy share, when the first probe finds the machine busy. It returns the
// busy share of the last probe (NaN-free; 0 if /proc/stat is unreadable).
func (p Proc) WaitQuiet(threshold float64, maxWait time.Duration, warn func(busy float64)) float64 {
	const probe = 500 * time.Millisecond
	deadline := time.Now().Add(maxWait)
	for warned := false; ; {
		b0, err0 := p.SystemBusy()
		time.Sleep(probe)
		b1, err1 := p.SystemBusy()
		if err0 != nil || err1 != nil {
			return 0
		}
		busy := float64(b1-b0) / TicksPerSecond / probe.Seconds()
		if busy <= threshold || time.Now().After(deadline) {
			return busy
		}
		if !warned && warn != nil {
			warn(busy)
			warned = true
		}
	}
}
