package epoll

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Event flags, re-exported so callers need not import x/sys/unix.
const (
	In    = unix.EPOLLIN
	Out   = unix.EPOLLOUT
	RDHup = unix.EPOLLRDHUP
	Hup   = unix.EPOLLHUP
	Err   = unix.EPOLLERR
	Edge  = unix.EPOLLET
	// Exclusive wakes one waiter of several epoll instances watching the
	// same descriptor (a shared listening socket).
	Exclusive = unix.EPOLLEXCLUSIVE
)

// Event is one ready descriptor.
type Event = unix.EpollEvent

// Poller is one epoll instance. Add, Mod, Del and Wake may be called from
// any goroutine; Wait from one at a time.
type Poller struct {
	file   *os.File        // the epoll descriptor, known to the Go runtime
	raw    syscall.RawConn // its raw access, for Wait
	epfd   int
	wakefd int // an eventfd that Wake writes to
	events []Event
	n      int                // events returned by the last epoll_wait; owned by Wait
	asleep atomic.Bool        // Wait may be parked: Wake must write the eventfd
	woke   atomic.Bool        // Wake was called since the last Wait returned
	ready  func(uintptr) bool // the callback of raw.Read, made once
}

// New creates a poller that returns at most batch events per Wait.
func New(batch int) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, events: make([]Event, batch)}
	if err := p.Add(wakefd, In, 0); err != nil {
		p.closeFDs()
		return nil, err
	}
	// Non-blocking, so that os.NewFile registers it with the runtime poller.
	if err := unix.SetNonblock(epfd, true); err != nil {
		p.closeFDs()
		return nil, os.NewSyscallError("fcntl", err)
	}
	p.file = os.NewFile(uintptr(epfd), "epoll")
	p.ready = p.collect
	if p.raw, err = p.file.SyscallConn(); err != nil {
		p.file.Close()
		unix.Close(wakefd)
		return nil, err
	}
	return p, nil
}

func (p *Poller) closeFDs() {
	unix.Close(p.epfd)
	unix.Close(p.wakefd)
}

// Add watches fd for events; the event carries fd and tag (in Pad), so
// that the caller can tell kinds of descriptors apart without a lookup that
// could be stale once a descriptor number is reused.
func (p *Poller) Add(fd int, events uint32, tag int32) error {
	return p.ctl(unix.EPOLL_CTL_ADD, fd, events, tag, "epoll_ctl add")
}

// Mod changes what fd is watched for. Adding a readiness that holds
// already reports it at once, even edge-triggered.
func (p *Poller) Mod(fd int, events uint32, tag int32) error {
	return p.ctl(unix.EPOLL_CTL_MOD, fd, events, tag, "epoll_ctl mod")
}

// Del stops watching fd.
func (p *Poller) Del(fd int) error {
	return p.ctl(unix.EPOLL_CTL_DEL, fd, 0, 0, "epoll_ctl del")
}

// ctl is epoll_ctl, made raw: it never blocks, so the scheduler need not
// know.
func (p *Poller) ctl(op, fd int, events uint32, tag int32, name string) error {
	ev := Event{Events: events, Fd: int32(fd), Pad: tag}
	_, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(p.epfd), uintptr(op), uintptr(fd),
		uintptr(unsafe.Pointer(&ev)), 0, 0)
	if errno != 0 {
		return os.NewSyscallError(name, errno)
	}
	return nil
}

// ErrTimeout is returned by Wait when its deadline passed with no events.
var ErrTimeout = os.ErrDeadlineExceeded

// Wait returns the ready events, parking the goroutine until there are
// some, deadline passes (ErrTimeout) or Wake is called (no events, nil
// error). A zero deadline means none. The slice is reused by the next Wait.
func (p *Poller) Wait(deadline time.Time) ([]Event, error) {
	if n := p.poll(); n > 0 || p.woke.Swap(false) {
		return p.events[:n], nil
	}
	p.file.SetReadDeadline(deadline)
	err := p.raw.Read(p.ready)
	p.asleep.Store(false)
	if err != nil {
		return nil, err
	}
	return p.events[:p.n], nil
}

// WaitBlocking is Wait for at most d, with the goroutine blocked in the
// system call itself rather than parked in the runtime's poller. The call
// is made as a raw system call: the thread keeps its processor, so the
// scheduler neither hands the processor to another thread nor wakes its
// monitor to do so (with the runtime's accounting, each such wait costs
// two or three context switches). Other goroutines of that processor wait
// meanwhile, so d must be short; a signal (the runtime's preemption)
// ends the wait early. Expiry returns no events and a nil error.
func (p *Poller) WaitBlocking(d time.Duration) ([]Event, error) {
	if p.woke.Swap(false) {
		return p.events[:0], nil
	}
	p.asleep.Store(true)
	if p.woke.Swap(false) {
		p.asleep.Store(false)
		return p.events[:0], nil
	}
	n, errno := p.rawWait(d)
	p.asleep.Store(false)
	switch errno {
	case 0:
		return p.events[:p.dropWakeups(n)], nil
	case unix.EINTR:
		return p.events[:0], nil
	}
	return nil, os.NewSyscallError("epoll_pwait2", errno)
}

// noPwait2 is set once epoll_pwait2 (Linux 5.11) turns out to be missing,
// or refused by a seccomp filter (older container runtimes answer EPERM):
// epoll_wait's whole milliseconds, rounded down, are the fallback, so a
// wait shorter than one only polls.
var noPwait2 atomic.Bool

func (p *Poller) rawWait(d time.Duration) (int, unix.Errno) {
	events := uintptr(unsafe.Pointer(&p.events[0]))
	if !noPwait2.Load() {
		ts := unix.NsecToTimespec(int64(d))
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT2, uintptr(p.epfd), events, uintptr(len(p.events)),
			uintptr(unsafe.Pointer(&ts)), 0, 0)
		if errno != unix.ENOSYS && errno != unix.EPERM {
			return int(n), errno
		}
		noPwait2.Store(true)
	}
	ms := d / time.Millisecond
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), events, uintptr(len(p.events)),
		uintptr(ms), 0, 0)
	return int(n), errno
}

// collect is called back by the runtime once at first, then each time the
// descriptor turns readable; false parks the goroutine.
//
// It marks the poller asleep after each poll, before it looks for a wake-up:
// a Wake that comes after that look sees the mark and writes the eventfd,
// which the runtime's poller reports. Marking once per Wait would not do: a
// Wake whose flag an earlier wait consumed may clear the mark of a later one
// as it finishes, and if that later wait's poll then drains the eventfd it
// wrote, the wait would park unmarked, and no Wake after it would write.
func (p *Poller) collect(uintptr) bool {
	p.n = p.poll()
	if p.n > 0 {
		return true
	}
	p.asleep.Store(true)
	return p.woke.Swap(false)
}

// poll asks for ready events without blocking (a raw system call: there
// is nothing to wait for), leaving out the wake-up eventfd, which it
// drains.
func (p *Poller) poll() int {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 || n == 0 {
			return 0
		}
		return p.dropWakeups(int(n))
	}
}

func (p *Poller) dropWakeups(n int) int {
	for i := 0; i < n; i++ {
		if int(p.events[i].Fd) == p.wakefd {
			p.drainWake()
			p.events[i] = p.events[n-1]
			n--
			i--
		}
	}
	return n
}

func (p *Poller) drainWake() {
	var buf [8]byte
	unix.Read(p.wakefd, buf[:])
}

// Wake makes a parked Wait return, or the next Wait return at once. It
// writes the eventfd only when the waiter may be parked, so waking a busy
// poller costs no system call.
func (p *Poller) Wake() error {
	p.woke.Store(true)
	if !p.asleep.CompareAndSwap(true, false) {
		return nil
	}
	buf := [8]byte{1}
	if _, err := unix.Write(p.wakefd, buf[:]); err != nil && err != unix.EAGAIN {
		return os.NewSyscallError("eventfd write", err)
	}
	return nil
}

// Close releases the poller. A Wait in progress returns os.ErrClosed.
func (p *Poller) Close() error {
	err := p.file.Close()
	unix.Close(p.wakefd)
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
