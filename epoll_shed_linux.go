package holdfast

import (
	"os"
	"time"

	"holdfast/internal/epoll"
)

// Shedding on the epoll engine. Each loop keeps its idle keep-alive
// connections in the order they went idle (idleQueue: descriptors, not
// pointers, so the queue holds no record alive) and publishes since when
// its oldest has been idle. The count of connections is the server's,
// across the loops; a loop that must shed for a new connection picks the
// loop whose oldest idle connection is oldest and, if that is another
// loop, asks it by message (msgShed): only a loop touches its own
// connections.

// idleEntry is one connection that went idle: its descriptor and the low
// bits of when (conn.idleFrom), which tell a stale entry (the connection
// served a request since, or the descriptor is another connection's now)
// from a live one.
type idleEntry struct {
	fd  int32
	gen uint32
}

// idleQueue is a loop's idle connections, oldest first, with stale entries
// skipped lazily. Owned by the loop.
type idleQueue struct {
	entries []idleEntry
	head    int
}

// pushIdle queues a connection that went idle after a response.
func (l *loop) pushIdle(c *loopConn) {
	q := &l.idle
	q.entries = append(q.entries, idleEntry{fd: int32(c.fd), gen: uint32(c.idleFrom.Load())})
	if live := len(q.entries) - q.head; live > 2*l.n+64 {
		l.compactIdle()
	} else if q.head > len(q.entries)/2 && q.head > 64 {
		q.entries = q.entries[:copy(q.entries, q.entries[q.head:])]
		q.head = 0
	}
	l.publishOldest()
}

// idleAt returns the connection of entry e if it is still idle since
// then, and nil for a stale entry.
func (l *loop) idleAt(e idleEntry) *loopConn {
	fd := int(e.fd)
	if fd >= len(l.conns) {
		return nil
	}
	c := l.conns[fd]
	if c == nil || c.busy || c.lingering || c.ex != nil || c.getState() != StateIdle || uint32(c.idleFrom.Load()) != e.gen {
		return nil
	}
	return c
}

// compactIdle drops the stale entries; a connection has at most one live
// entry, so the queue stays within twice the loop's connections.
func (l *loop) compactIdle() {
	q := &l.idle
	kept := q.entries[:0]
	for _, e := range q.entries[q.head:] {
		if l.idleAt(e) != nil {
			kept = append(kept, e)
		}
	}
	clear(q.entries[len(kept):])
	q.entries, q.head = kept, 0
}

// oldestIdleConn skips stale entries at the front and returns the oldest
// idle connection, still queued, or nil.
func (l *loop) oldestIdleConn() *loopConn {
	q := &l.idle
	for q.head < len(q.entries) {
		if c := l.idleAt(q.entries[q.head]); c != nil {
			return c
		}
		q.head++
	}
	q.entries, q.head = q.entries[:0], 0
	return nil
}

// publishOldest tells the other loops since when this loop's oldest idle
// connection has been idle (0: none). It is a hint: the loop checks again
// when asked to shed.
func (l *loop) publishOldest() {
	var since int64
	if c := l.oldestIdleConn(); c != nil {
		since = max(c.idleFrom.Load(), 1)
	}
	l.oldestIdle.Store(since)
}

// shedOldest closes the loop's oldest idle connection and reports whether
// there was one. One whose socket already holds a request that raced the
// close is not shed: that request is read after the next wait and
// answered with Connection: close, and the next oldest is shed instead.
func (l *loop) shedOldest(now int64) bool {
	l.own()
	defer l.publishOldest()
	for {
		c := l.oldestIdleConn()
		if c == nil {
			return false
		}
		l.idle.head++
		if l.closeOrAnswer(c, CloseShed, now) {
			return true
		}
	}
}

// closeOrAnswer closes an idle connection for reason (shedding, shutdown)
// and reports true, unless a request raced the close and sits in its
// socket: then the connection is to close after answering it, and is
// read after the next wait.
func (l *loop) closeOrAnswer(c *loopConn, reason CloseReason, now int64) bool {
	if fdHasInput(c.fd) {
		c.closeSoon = reason
		l.later = append(l.later, epoll.Event{Events: epoll.In, Fd: int32(c.fd)})
		return false
	}
	l.closeConn(c, reason, now)
	return true
}

// oldestIdleLoop is the loop whose oldest idle connection has been idle
// longest, by what the loops published, or nil when none has one.
func (e *epollEngine) oldestIdleLoop() *loop {
	var best *loop
	var since int64
	for _, l := range e.loops {
		if t := l.oldestIdle.Load(); t != 0 && (best == nil || t < since) {
			best, since = l, t
		}
	}
	return best
}

// shedForNew makes room for a connection just accepted over the cap: the
// oldest idle connection of the server is shed, by its own loop.
func (l *loop) shedForNew(now int64) {
	switch target := l.eng.oldestIdleLoop(); target {
	case nil:
	case l:
		l.shedOldest(now)
	default:
		target.post(loopMsg{kind: msgShed})
	}
}

// capPause is how long a loop at the cap, with no idle connection to
// shed, leaves new connections in the backlog before it looks again.
const capPause = 50 * time.Millisecond

// pauseListener stops watching a listening descriptor until at.
func (l *loop) pauseListener(lfd int, at int64) {
	l.poll.Del(lfd)
	l.paused = append(l.paused, lfd)
	if l.resumeAt == 0 || at < l.resumeAt {
		l.resumeAt = at
	}
}

// outOfFiles handles an accept that failed for want of descriptors
// (EMFILE, ENFILE) or memory: one rate-limited line in the error log, then
// idle connections are shed to free descriptors, nginx-style — an eighth
// of the loop's, at least one and at most 32 — and it reports true to
// accept again at once. With none to shed here, the loop with the oldest
// idle connection is asked to shed one, and this loop stops accepting for
// acceptPause, so that a listener that stays readable costs no spinning.
func (l *loop) outOfFiles(lfd int, err error, now int64) bool {
	l.srv.logError("accept failed; shedding idle connections and retrying", "err", os.NewSyscallError("accept4", err))
	shed := 0
	for want := shedBatch(len(l.idle.entries) - l.idle.head); shed < want && l.shedOldest(now); {
		shed++
	}
	if shed > 0 {
		return true
	}
	if target := l.eng.oldestIdleLoop(); target != nil && target != l {
		target.post(loopMsg{kind: msgShed})
	}
	l.pauseListener(lfd, now+int64(acceptPause))
	return false
}

// anyIdle reports whether some loop has an idle connection to shed.
func (e *epollEngine) anyIdle() bool { return e.oldestIdleLoop() != nil }
