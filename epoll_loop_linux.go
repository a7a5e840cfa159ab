package holdfast

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/wheel"
)

// The epoll engine's event loop. A loop owns its connections while they
// are idle or between requests: it accepts them, reads request heads into
// one buffer shared by all of them, keeps their deadlines in a timing wheel
// and closes them. When a head is complete the loop serves the request on
// its own goroutine (serveInline): the handler runs and the response is
// written with no hand-off. A handler that blocks, on the socket or for
// longer than the monitor's period, has the loop taken over by a new
// goroutine; its own goroutine finishes the request as an ordinary serving
// goroutine and hands the connection back through the loop's inbox. So an
// idle connection costs its record and a wheel entry, no goroutine and no
// buffer.

const (
	loopBufSize = 64 << 10                     // the shared read buffer
	loopBatch   = 256                          // events per wait
	tickNanos   = int64(50 * time.Millisecond) // deadline resolution
	wheelSlots  = 2048                         // about 100 s per turn
)

// loop is one event loop. Its fields are owned by the loop's goroutine
// (the one in run: it changes when the loop is taken over, see
// serveInline) except where noted; the operations on them check so (own).
type loop struct {
	srv      *Server       // read-only
	eng      *epollEngine  // read-only
	poll     *epoll.Poller // read-only; safe for concurrent use
	buf      []byte
	addrBuf  []byte      // formats accepted peers' addresses
	conns    []*loopConn // by descriptor
	n        int         // connections registered
	wheel    *wheel.Wheel
	onExpiry func(*wheel.Timer) // l.expired, made once
	paused   []int              // listening descriptors not watched for now (out of descriptors)
	resumeAt int64              // when paused listeners are watched again
	queued   bool               // connections queued before the listener was configured may remain

	idle       idleQueue    // kept connections waiting for a request, oldest first (epoll_shed_linux.go)
	oldestIdle atomic.Int64 // atomic: since when the oldest of them has been idle (monotonic ns; 0: none), for the other loops

	userTimeoutPerConn bool // a listener refused TCP_USER_TIMEOUT: set it on each socket
	stopping           bool // the server closes: exit once empty
	tally              tally

	// TLS (epoll_tls_linux.go).
	sessions  []*tlsSession      // by descriptor: the TLS connections' sessions
	listenTLS map[int]*serverTLS // listening descriptors that serve TLS
	trim      []*tlsSession      // idle sessions whose ciphers are to be dropped (see trimSessions)
	trimAt    int64              // when trim is looked at next; 0 when it is empty

	heads []*parkedHead // by descriptor: started request heads between reads (epoll_head_linux.go)

	batch   []epoll.Event // events of the last wait
	next    int           // the first of batch not handled yet
	later   []epoll.Event // readiness to handle after the next wait
	msgs    []loopMsg     // messages taken from the inbox
	msgNext int           // the first of msgs not handled yet

	// Inline serving: the loop's goroutine runs a handler itself, which
	// saves a goroutine hand-off per request. If the handler blocks, the
	// engine's monitor (or the handler's own wait for the socket) starts a
	// new goroutine for the loop, and the old one finishes the request as
	// an ordinary serving goroutine (see serveInline).
	hot       bool          // the last wait found events: block in epoll_wait next
	yielded   int64         // when the loop last let other goroutines run (monotonic ns)
	inlineSeq atomic.Uint64 // odd while a handler runs inline
	clockWall atomic.Int64  // the loop's clock reading (see tick): Unix ns
	clockMono atomic.Int64  // and monotonic ns since epoch
	monSeen   uint64        // owned by the monitor: inlineSeq at its last look
	turn      atomic.Uint64 // takeovers so far: a goroutine that began running the loop at an earlier turn has lost it
	offloads  atomic.Int32  // handlers that called Offload and have not handed back (epoll_offload_linux.go)

	// The ID of the loop's goroutine while checkOwner is on; 0 while a
	// takeover is under way.
	owner atomic.Uint64

	mu    sync.Mutex
	inbox []loopMsg // guarded by mu

	done chan struct{} // closed when the loop has exited
}

// loopMsg is work another goroutine hands to the loop.
type loopMsg struct {
	kind  msgKind
	c     *loopConn
	fd    int
	reply chan []ConnInfo // msgSnapshot
	sums  chan gathered   // msgGather

	perConn bool // msgListen: the listener refused TCP_USER_TIMEOUT

	tls *serverTLS // msgListen: the listener serves TLS
}

type msgKind uint8

const (
	msgIdle     msgKind = iota // the serving goroutine is done: the connection waits for its next request
	msgClose                   // the serving goroutine is done: close the connection (c.reason says why)
	msgForget                  // the connection was hijacked
	msgWake                    // Shutdown: close the connection if idle
	msgListen                  // watch listening descriptor fd
	msgStop                    // the server closes
	msgAbort                   // the server closes at once (Close)
	msgSnapshot                // describe the connections, on reply
	msgGather                  // add up the counts, on sums
	msgSecured                 // the TLS handshake is done: the connection waits for its first request
	msgToH2                    // the TLS handshake chose HTTP/2: the connection left the loop
	msgShed                    // another loop admitted a connection over the cap: shed the oldest idle one
)

func newLoop(s *Server, eng *epollEngine) (*loop, error) {
	p, err := epoll.New(loopBatch)
	if err != nil {
		return nil, err
	}
	now := monotime()
	l := &loop{
		srv:     s,
		eng:     eng,
		poll:    p,
		buf:     make([]byte, loopBufSize),
		addrBuf: make([]byte, 0, 64),
		wheel:   wheel.New(wheelSlots, tickNanos, now),
		done:    make(chan struct{}),
	}
	l.onExpiry = l.expired
	return l, nil
}

// tick reads the clock for the loop's next stretch of work: the loop and
// the handlers it runs inline use this reading instead of their own, one
// clock read for a batch of requests instead of several per request. It is
// atomic because a goroutine that was taken over may still look at it.
func (l *loop) tick() {
	t := time.Now()
	l.clockWall.Store(t.UnixNano())
	l.clockMono.Store(int64(t.Sub(epoch)))
}

func (l *loop) mono() int64 { return l.clockMono.Load() }

// post hands work to the loop from another goroutine.
func (l *loop) post(m loopMsg) {
	l.mu.Lock()
	l.inbox = append(l.inbox, m)
	l.mu.Unlock()
	l.poll.Wake()
}

// claim makes the calling goroutine the loop's, for the ownership checks;
// run calls it first. disown is called as the loop is taken over, before
// the goroutine that takes it over starts.
func (l *loop) claim() {
	if checkOwner.Load() {
		l.owner.Store(goroutineID())
	}
}

func (l *loop) disown() {
	if checkOwner.Load() {
		l.owner.Store(0)
	}
}

// own checks, when checkOwner is on, that the caller may touch the loop's
// state: it runs on the loop's goroutine, and that goroutine is not
// running a handler inline (the handler's side must not touch the loop's
// state: the loop can be taken over under it at any time). Loop-owned
// operations call it on entry.
func (l *loop) own() {
	if checkOwner.Load() {
		l.checkOwned()
	}
}

func (l *loop) checkOwned() {
	if l.inlineSeq.Load()&1 != 0 {
		ownerFailed("loop state touched while a handler runs inline on the loop")
		return
	}
	if id, owner := goroutineID(), l.owner.Load(); id != owner {
		ownerFailed("loop state touched by " + goroutineName(id) + ", not by the loop's " + goroutineName(owner))
	}
}

// run is the loop's goroutine. It is resumable: a goroutine that takes the
// loop over (see serveInline) carries on with the batch of events and
// messages where the previous one stopped. It returns when the loop exits,
// and in the goroutine that lost the loop to a takeover, once that one
// has finished the request it was serving (see runLoops).
func (l *loop) run() {
	turn := l.turn.Load()
	l.claim()
	l.tick()
	for {
		if !l.drainBatch(turn) || !l.drainInbox(turn) {
			return // taken over
		}
		now := l.mono()
		l.wheel.Advance(now, l.onExpiry)
		if l.resumeAt != 0 && now >= l.resumeAt {
			l.resumeListeners()
		}
		if l.trimAt != 0 && now >= l.trimAt {
			l.trimSessions(now)
		}
		if l.stopping && l.n == 0 {
			l.exit()
			return
		}
		wake := l.wakeAt()
		if len(l.later) > 0 {
			wake = aLongTimeAgo // collect what is ready, without waiting
		}
		evs, err := l.wait(wake)
		if err != nil && err != epoll.ErrTimeout {
			l.srv.logError("epoll loop failed", "err", err)
			l.exit()
			return
		}
		l.tick()
		l.batch, l.next = append(evs, l.later...), 0
		clear(l.later)
		l.later = l.later[:0]
	}
}

// hotWait bounds how long a busy loop blocks in epoll_wait itself, and a
// busy loop lets other goroutines of its processor run at least every
// yieldEvery (the scheduler cannot take the processor during a raw wait).
const (
	hotWait    = 20 * time.Microsecond
	yieldEvery = time.Millisecond
)

// wait waits for events. A loop that just had work blocks in the system
// call itself (Poller.WaitBlocking, keeping its processor) for up to
// hotWait: under load the next events come within microseconds, and that
// costs less than parking the goroutine in the runtime's poller and waking
// it again, or than a system call the scheduler would take the processor
// from (measured under Connection: close: 9 % less kernel time and 0.7
// context switches per connection instead of 1.0, as few as nginx). Every
// millisecond, goroutines queued for the processor run first (yielding at
// every wait cost 4 % more CPU per connection). A loop that found nothing
// in that time parks in the runtime's poller, so an idle loop holds no
// thread. hotWait is short because nothing else runs on the processor
// meanwhile, not even the goroutine that would send the next request when
// the client lives in the same process: with one processor, 200 µs made an
// in-process ping-pong 3× slower than 20 µs, and 20 µs loses nothing under
// load from outside (the next event comes within a few microseconds).
//
// While handlers that called Offload are out, the loop never waits in the
// system call: those handlers wait on sockets of the runtime's poller (an
// upstream connection), which the scheduler polls when the processor has
// nothing else to run, so the loop parks in the runtime's poller as soon
// as it has no events, and the offloaded handlers whose sockets are ready
// run at once.
func (l *loop) wait(wake time.Time) ([]epoll.Event, error) {
	if !l.hot || l.offloads.Load() > 0 {
		evs, err := l.poll.Wait(wake)
		l.hot = len(evs) > 0
		l.yielded = l.mono() // parked: others had the processor
		return evs, err
	}
	d := hotWait
	if !wake.IsZero() {
		// From the clock read for this batch, not a new reading: the
		// wheel's deadlines are 50 ms coarse anyway.
		d = min(d, max(wake.Sub(epoch.Add(time.Duration(l.mono()))), 0))
	}
	if now := l.mono(); now-l.yielded >= int64(yieldEvery) {
		runtime.Gosched() // goroutines queued for this processor run first
		l.yielded = now
	}
	evs, err := l.poll.WaitBlocking(d)
	if err == nil && len(evs) == 0 && d == hotWait {
		l.hot = false // nothing came: park next time
	}
	return evs, err
}

func (l *loop) exit() {
	l.poll.Close()
	close(l.done)
}

// drainBatch handles the events of the last wait not handled yet. It
// reports false when the loop was taken over from the calling goroutine,
// which ran it at turn: then it stops at once.
func (l *loop) drainBatch(turn uint64) bool {
	for l.next < len(l.batch) {
		ev := l.batch[l.next]
		l.next++ // before handling: a goroutine taking over starts after it
		if l.next%16 == 0 {
			l.tick() // a long batch of inline requests moves the clock
		}
		now := l.mono()
		if ev.Pad == tagListener {
			l.accept(int(ev.Fd), now)
		} else {
			l.event(int(ev.Fd), ev.Events, now)
		}
		if l.turn.Load() != turn {
			return false
		}
	}
	return true
}

// drainInbox handles the messages posted to the loop; false: taken over,
// as for drainBatch.
func (l *loop) drainInbox(turn uint64) bool {
	for {
		if l.msgNext == len(l.msgs) {
			clear(l.msgs)
			l.msgs = l.takeInbox(l.msgs[:0])
			l.msgNext = 0
			if len(l.msgs) == 0 {
				return true
			}
		}
		m := l.msgs[l.msgNext]
		l.msgNext++
		l.message(m, l.mono())
		if l.turn.Load() != turn {
			return false
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
	if l.trimAt != 0 && (next == 0 || l.trimAt < next) {
		next = l.trimAt
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
	l.own()
	c := m.c
	switch m.kind {
	case msgIdle, msgClose, msgForget:
		l.apply(c, m.kind, now, false)
	case msgSecured:
		l.handshook(c, now)
	case msgToH2:
		l.handedOver(c)
	case msgWake:
		if l.conns[c.fd] == c && l.awaitingHead(c) {
			l.closeOrAnswer(c, CloseShutdown, now)
		}
	case msgShed:
		l.shedOldest(now)
	case msgListen:
		l.queued = true
		l.userTimeoutPerConn = l.userTimeoutPerConn || m.perConn
		if m.tls != nil {
			l.listenTLSOn(m.fd, m.tls)
		}
		l.listen(m.fd)
	case msgStop:
		l.stopping = true
		l.closeIdle(now)
	case msgAbort:
		l.abortAll(now)
	case msgSnapshot:
		m.reply <- l.snapshot(now)
	case msgGather:
		m.sums <- l.gather()
	}
}

// abortAll closes every connection at once (Close): idle ones here, busy
// ones by shutting their sockets down under their goroutines, which then
// fail and hand them back.
func (l *loop) abortAll(now int64) {
	for _, c := range l.conns {
		switch {
		case c == nil:
		case c.busy:
			unix.Shutdown(c.fd, unix.SHUT_RDWR)
		default:
			l.closeConn(c, CloseShutdown, now)
		}
	}
}

// snapshot describes the loop's connections.
func (l *loop) snapshot(now int64) []ConnInfo {
	infos := make([]ConnInfo, 0, l.n)
	for _, c := range l.conns {
		if c != nil {
			infos = append(infos, c.info(now))
		}
	}
	return infos
}

// gather adds up the loop's counts and its open connections' figures.
func (l *loop) gather() gathered {
	g := gathered{tally: l.tally}
	for _, c := range l.conns {
		if c != nil {
			g.addOpen(&c.conn)
		}
	}
	return g
}

// closeIdle closes every connection waiting for a request (Shutdown).
func (l *loop) closeIdle(now int64) {
	for _, c := range l.conns {
		if c != nil && l.awaitingHead(c) {
			l.shutIdle(c, now)
		}
	}
}

// shutIdle closes a connection waiting for a request as the server shuts
// down, unless it has not sent its first request yet: that one is awaited
// a moment (conn.firstRequestDue), answered with Connection: close if it
// comes, and closed at the deadline otherwise.
func (l *loop) shutIdle(c *loopConn, now int64) {
	if due := c.firstRequestDue(now); due != 0 {
		l.setDeadline(c, due)
		return
	}
	l.closeOrAnswer(c, CloseShutdown, now)
}

// expired handles a connection whose deadline passed.
func (l *loop) expired(t *wheel.Timer) {
	l.own()
	c := timerConn(t)
	now := monotime()
	switch {
	case c.lingering:
		l.destroy(c)
	default:
		l.headFailed(c, os.ErrDeadlineExceeded, now)
	}
}

// register adds an accepted connection to the loop.
func (l *loop) register(c *loopConn) {
	l.own()
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*loopConn, len(l.conns)+64)...)
	}
	l.conns[c.fd] = c
	l.n++
}

func (l *loop) unregister(c *loopConn) {
	l.own()
	if c.fd < len(l.conns) && l.conns[c.fd] == c {
		l.conns[c.fd] = nil
		l.n--
		l.dropSession(c.fd)
		l.dropHead(c.fd)
	}
	l.setDeadline(c, 0)
}

// listen starts watching a listening descriptor. Every loop watches it
// with EPOLLEXCLUSIVE, so a new connection wakes one loop, which accepts
// it. Closing the listener removes it from every epoll set.
func (l *loop) listen(fd int) {
	if err := l.poll.Add(fd, epoll.In|epoll.Exclusive, tagListener); err != nil && !l.srv.closing.Load() {
		l.srv.logError("watching a listener failed", "err", err)
	}
}
