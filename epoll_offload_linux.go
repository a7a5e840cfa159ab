package holdfast

// Offload on the epoll engine. A handler running inline that calls Offload
// hands the loop to a new goroutine (as one that blocks on its socket
// does), and the loop counts it until the connection comes back: while
// any is out, the loop parks in the runtime's poller whenever it has no
// events, rather than wait in an epoll_wait of its own that keeps the
// processor (see loop.wait), so that the offloaded goroutines, which wait
// on sockets of the runtime's poller (an upstream connection), get the
// processor as soon as their sockets are ready.

// offload hands the loop over if the handler runs inline on it.
func (c *loopConn) offload() {
	if !c.inlined {
		return
	}
	c.ex.offloaded = true
	c.l.offloads.Add(1)
	c.leaveLoop()
}

// leaveLoop makes the serving goroutine, running inline, an ordinary one:
// a new goroutine takes the loop over, unless the monitor did already.
func (c *loopConn) leaveLoop() {
	c.inlined = false
	c.l.detach(c.ex.inlineSeq)
}

// offloadDone is called by the serving goroutine as it hands the
// connection back: the loop stops counting it.
func (c *loopConn) offloadDone() {
	if c.ex != nil && c.ex.offloaded {
		c.ex.offloaded = false
		c.l.offloads.Add(-1)
	}
}
