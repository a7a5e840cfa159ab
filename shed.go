package holdfast

import "time"

// Shedding on the goroutine engine: each shard keeps its idle keep-alive
// connections in the order they went idle (oldest first), so that at the
// connection cap, or out of file descriptors, the one idle longest across
// the shards is found by looking at each shard's first. A connection is
// shed by waking its idle wait (as Shutdown does); its goroutine then
// closes it, or answers a request that raced the close and closes after.

// idleLink is a goroutine connection's place in its shard's idle list.
type idleLink struct {
	prev, next *goroutineConn // guarded by the shard's mu
	listed     bool           // guarded by the shard's mu
}

// idleList is a shard's idle connections, oldest first.
type idleList struct {
	head, tail *goroutineConn // guarded by the shard's mu
	n          int            // guarded by the shard's mu
}

// enterIdle lists a connection that waits for its next request.
func (sh *connShard) enterIdle(g *goroutineConn) {
	sh.mu.Lock()
	l := &sh.idlers
	g.link.prev, g.link.next, g.link.listed = l.tail, nil, true
	if l.tail != nil {
		l.tail.link.next = g
	} else {
		l.head = g
	}
	l.tail = g
	l.n++
	sh.mu.Unlock()
}

// leaveIdle takes a connection off the list, if it is on it.
func (sh *connShard) leaveIdle(g *goroutineConn) {
	sh.mu.Lock()
	sh.unlinkIdle(g)
	sh.mu.Unlock()
}

func (sh *connShard) unlinkIdle(g *goroutineConn) {
	if !g.link.listed {
		return
	}
	l := &sh.idlers
	if g.link.prev != nil {
		g.link.prev.link.next = g.link.next
	} else {
		l.head = g.link.next
	}
	if g.link.next != nil {
		g.link.next.link.prev = g.link.prev
	} else {
		l.tail = g.link.prev
	}
	l.n--
	g.link = idleLink{}
}

// oldestIdle returns since when the shard's oldest idle connection has
// been idle (monotonic ns), or false when none is.
func (sh *connShard) oldestIdle() (int64, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.idlers.head == nil {
		return 0, false
	}
	return sh.idlers.head.idleFrom.Load(), true
}

// popIdle takes the shard's oldest idle connection off its list.
func (sh *connShard) popIdle() *goroutineConn {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	g := sh.idlers.head
	if g != nil {
		sh.unlinkIdle(g)
	}
	return g
}

// shedIdle sheds up to n of the idle connections, oldest first across the
// shards, and returns how many it woke to close.
func (s *Server) shedIdle(n int) int {
	shed := 0
	for shed < n {
		sh := s.oldestIdleShard()
		if sh == nil {
			break
		}
		if g := sh.popIdle(); g != nil && g.shed() {
			shed++
		}
	}
	return shed
}

// oldestIdleShard is the shard whose first idle connection has been idle
// longest, or nil when none has one.
func (s *Server) oldestIdleShard() *connShard {
	var best *connShard
	var since int64
	for i := range s.shards {
		sh := &s.shards[i]
		if t, ok := sh.oldestIdle(); ok && (best == nil || t < since) {
			best, since = sh, t
		}
	}
	return best
}

// anyIdle reports whether some connection is idle: one can be shed.
func (s *Server) anyIdle() bool { return s.oldestIdleShard() != nil }

// shed wakes an idle connection so that it closes; it reports false when
// the connection already left its idle wait (a request came).
func (g *goroutineConn) shed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.waitingHead || g.shedding {
		return false
	}
	g.shedding = true
	g.tcp.SetReadDeadline(aLongTimeAgo)
	return true
}

// makeRoom is what the accept loop does before it accepts at the cap: it
// reports true when a connection may be accepted (below the cap, or an
// idle one can be shed for it) and otherwise waits a while for room.
func (s *Server) makeRoom() bool {
	if !s.full() || s.anyIdle() {
		return true
	}
	s.warnAtCap()
	s.waitRoom()
	return false
}

// acceptFailed handles an accept error that leaves the listener usable
// (out of file descriptors, or another temporary failure): it sheds idle
// connections to free descriptors, nginx-style — an eighth of them, at
// least one and at most 32 — and waits for one to go; with none to shed
// it backs off. It returns the next back-off.
func (s *Server) acceptFailed(err error, backoff time.Duration) time.Duration {
	s.logError("accept failed; shedding idle connections and retrying", "err", err)
	if s.shedIdle(shedBatch(s.idleCount())) > 0 {
		s.waitRoom()
		return 0
	}
	backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
	t := time.NewTimer(backoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
	return backoff
}

// shedBatch is how many idle connections to shed when descriptors ran out.
func shedBatch(idle int) int { return min(max(idle/8, 1), 32) }

// idleCount counts the goroutine engine's idle connections.
func (s *Server) idleCount() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.idlers.n
		sh.mu.Unlock()
	}
	return n
}
