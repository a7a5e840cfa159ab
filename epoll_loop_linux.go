package holdfast

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/wheel"
)

// The epoll engine's event loop. A loop owns its connections while they
// are idle or between requests: it accepts them, reads request heads into
// one buffer shared by all of them, keeps their deadlines in a timing wheel
// and closes them. When a head is complete it hands the connection to a
// goroutine that runs the handler and writes the response, and takes it
// back when the response is out. So an idle connection costs its record
// and a wheel entry, no goroutine and no buffer.

const (
	loopBufSize = 64 << 10                     // the shared read buffer
	loopBatch   = 256                          // events per wait
	tickNanos   = int64(50 * time.Millisecond) // deadline resolution
	wheelSlots  = 2048                         // about 100 s per turn
)

// loop is one event loop. Its fields are owned by its goroutine except
// where noted.
type loop struct {
	srv      *Server
	poll     *epoll.Poller
	buf      []byte
	conns    []*econn // by descriptor
	n        int      // connections registered
	wheel    *wheel.Wheel[*econn]
	paused   []int // listening descriptors not watched for now (out of descriptors)
	resumeAt int64 // when paused listeners are watched again
	queued   bool  // connections queued before the listener was configured may remain
	stopping bool  // the server closes: exit once empty

	mu    sync.Mutex
	inbox []loopMsg // guarded by mu

	done chan struct{} // closed when the loop has exited
}

// loopMsg is work another goroutine hands to the loop.
type loopMsg struct {
	kind msgKind
	c    *econn
	fd   int
}

type msgKind uint8

const (
	msgIdle   msgKind = iota // the serving goroutine is done: the connection waits for its next request
	msgClose                 // the serving goroutine is done: close the connection (c.reason says why)
	msgForget                // the connection was hijacked
	msgWake                  // Shutdown: close the connection if idle
	msgListen                // watch listening descriptor fd
	msgStop                  // the server closes
)

func newLoop(s *Server) (*loop, error) {
	p, err := epoll.New(loopBatch)
	if err != nil {
		return nil, err
	}
	now := monotime()
	return &loop{
		srv:   s,
		poll:  p,
		buf:   make([]byte, loopBufSize),
		wheel: wheel.New[*econn](wheelSlots, tickNanos, now),
		done:  make(chan struct{}),
	}, nil
}

// post hands work to the loop from another goroutine.
func (l *loop) post(m loopMsg) {
	l.mu.Lock()
	l.inbox = append(l.inbox, m)
	l.mu.Unlock()
	l.poll.Wake()
}

// run is the loop's goroutine.
func (l *loop) run() {
	defer close(l.done)
	defer l.poll.Close()
	var inbox []loopMsg
	for {
		evs, err := l.poll.Wait(l.wakeAt())
		if err != nil && err != epoll.ErrTimeout {
			l.srv.logf("epoll loop: %v", err)
			return
		}
		now := monotime()
		for _, ev := range evs {
			if ev.Pad == tagListener {
				l.accept(int(ev.Fd), now)
			} else {
				l.event(int(ev.Fd), ev.Events, now)
			}
		}
		inbox = l.takeInbox(inbox[:0])
		for _, m := range inbox {
			l.message(m, now)
		}
		clear(inbox)
		l.wheel.Advance(now, l.expired)
		if l.resumeAt != 0 && now >= l.resumeAt {
			l.resumeListeners()
		}
		if l.stopping && l.n == 0 {
			return
		}
	}
}

func (l *loop) takeInbox(into []loopMsg) []loopMsg {
	l.mu.Lock()
	into = append(into, l.inbox...)
	clear(l.inbox)
	l.inbox = l.inbox[:0]
	l.mu.Unlock()
	return into
}

// wakeAt is the time of the next wheel tick, or zero when no deadline is
// armed: an idle loop with no deadlines sleeps until an event comes.
func (l *loop) wakeAt() time.Time {
	next := l.wheel.NextTick()
	if l.resumeAt != 0 && (next == 0 || l.resumeAt < next) {
		next = l.resumeAt
	}
	if next == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(next))
}

func (l *loop) resumeListeners() {
	l.resumeAt = 0
	for _, fd := range l.paused {
		l.listen(fd)
	}
	l.paused = l.paused[:0]
}

// Tags of the loop's descriptors in their epoll events.
const (
	tagConn     = 0
	tagListener = 1
)

// event handles readiness of one connection.
func (l *loop) event(fd int, ev uint32, now int64) {
	if fd >= len(l.conns) || l.conns[fd] == nil {
		return // closed earlier in this batch
	}
	c := l.conns[fd]
	switch {
	case c.busy:
		c.signal(ev)
	case c.lingering:
		l.lingerRead(c, now)
	case ev&readReady != 0:
		l.readable(c, ev, now)
	}
}

func (l *loop) message(m loopMsg, now int64) {
	c := m.c
	switch m.kind {
	case msgIdle:
		l.takeBack(c, now)
	case msgClose:
		c.busy = false
		l.closeConn(c, c.reason, now)
	case msgForget:
		l.unregister(c)
		unix.Close(c.fd) // the handler has its duplicate
	case msgWake:
		if l.conns[c.fd] == c && !c.busy && !c.lingering && c.ex == nil {
			l.closeConn(c, CloseShutdown, now)
		}
	case msgListen:
		l.queued = true
		l.listen(m.fd)
	case msgStop:
		l.stopping = true
		l.closeIdle(now)
	}
}

// closeIdle closes every connection waiting for a request (Shutdown).
func (l *loop) closeIdle(now int64) {
	for _, c := range l.conns {
		if c != nil && !c.busy && !c.lingering && c.ex == nil {
			l.closeConn(c, CloseShutdown, now)
		}
	}
}

// expired handles a connection whose deadline passed.
func (l *loop) expired(c *econn) {
	now := monotime()
	switch {
	case c.lingering:
		l.destroy(c)
	case c.ex != nil: // a head had started
		c.respondError(408, "request head not received in time", CloseHeaderTimeout)
		l.closeConn(c, CloseHeaderTimeout, now)
	default:
		_, reason := c.idleDeadline(now)
		l.closeConn(c, reason, now)
	}
}

// register adds an accepted connection to the loop.
func (l *loop) register(c *econn) {
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*econn, len(l.conns)+64)...)
	}
	l.conns[c.fd] = c
	l.n++
}

func (l *loop) unregister(c *econn) {
	if c.fd < len(l.conns) && l.conns[c.fd] == c {
		l.conns[c.fd] = nil
		l.n--
	}
	l.wheel.Stop(&c.timer)
}

// listen starts watching a listening descriptor. Every loop watches it
// with EPOLLEXCLUSIVE, so a new connection wakes one loop, which accepts
// it. Closing the listener removes it from every epoll set.
func (l *loop) listen(fd int) {
	if err := l.poll.Add(fd, epoll.In|epoll.Exclusive, tagListener); err != nil && !l.srv.closing.Load() {
		l.srv.logf("watching listener: %v", err)
	}
}
