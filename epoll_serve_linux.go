package holdfast

import (
	"errors"
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"holdfast/internal/sockopt"
)

// epollEngine is a server's set of event loops, started by its first Serve
// with the epoll engine and stopped when the server closes.
type epollEngine struct {
	loops   []*loop       // read-only once started
	kick    chan struct{} // wakes the parked monitor
	parked  atomic.Bool   // the monitor waits for a kick
	allDone chan struct{} // closed when every loop has exited
}

func availableEngines() []Engine { return []Engine{EngineGoroutine, EngineEpoll} }

// defaultEngine is what EngineAuto means here.
const defaultEngine = EngineEpoll

// serveEpoll hands the listener to the server's loops and waits until the
// server closes; st is the listener's TLS, nil for plain HTTP.
func (s *Server) serveEpoll(ln net.Listener, st *serverTLS) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return errors.New("holdfast: the epoll engine needs a TCP listener")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	eng, err := s.startLoops()
	if err != nil {
		return err
	}
	var lfd int
	var serr error
	perConn := false
	raw.Control(func(fd uintptr) {
		lfd = int(fd)
		perConn, serr = setListenerOptions(lfd, s.pol().sock)
	})
	if serr != nil {
		return serr
	}
	for _, l := range eng.loops {
		l.post(loopMsg{kind: msgListen, fd: lfd, perConn: perConn, tls: st})
	}
	<-s.done
	return ErrServerClosed
}

// setListenerOptions sets the options that accepted sockets inherit from
// the listener (the socket is cloned from it): the keepalive settings, the
// user timeout and TCP_NODELAY, so that no system call is made for them per
// accept once the connections queued before this are taken (see
// loop.accept). An MPTCP listener (Go's default for net.Listen since 1.24)
// refuses TCP_USER_TIMEOUT: then perConn is true, and it is set on each
// connection.
func setListenerOptions(lfd int, o sockopt.Options) (perConn bool, err error) {
	userTimeout := o.UserTimeout
	o.UserTimeout = 0
	if err = sockopt.ApplyFD(lfd, o); err == nil {
		err = sockopt.SetNoDelayFD(lfd)
	}
	if err == nil && sockopt.ApplyUserTimeoutFD(lfd, userTimeout) != nil {
		perConn = true
	}
	return perConn, err
}

// applyListenerOptions sets the policy's TCP options again on the epoll
// engine's listeners (SetPolicy), for the connections accepted from now on.
func (s *Server) applyListenerOptions(o sockopt.Options) error {
	if s.Engine.resolve() != EngineEpoll {
		return nil // the goroutine engine sets them on each accepted socket
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for l := range s.listeners {
		sc, ok := (*l).(syscall.Conn)
		if !ok {
			continue
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		raw.Control(func(fd uintptr) {
			_, err = setListenerOptions(int(fd), o)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// startLoops starts the loops once: one per processor.
func (s *Server) startLoops() (*epollEngine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoll != nil {
		return s.epoll, nil
	}
	eng := &epollEngine{kick: make(chan struct{}, 1), allDone: make(chan struct{})}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		l, err := newLoop(s, eng)
		if err != nil {
			for _, l := range eng.loops {
				l.post(loopMsg{kind: msgStop})
			}
			return nil, err
		}
		eng.loops = append(eng.loops, l)
	}
	for _, l := range eng.loops {
		go l.run()
	}
	go eng.monitor()
	s.epoll = eng
	return eng, nil
}

// monitorPeriod is how long a handler may run inline before its loop is
// handed to another goroutine: the longest stall it can cause the loop's
// other connections.
const monitorPeriod = time.Millisecond

// monitor takes a loop over when a handler has run inline on it for more
// than a period. It sleeps while no loop serves inline, so an idle server
// costs no wake-ups.
func (e *epollEngine) monitor() {
	go func() {
		for _, l := range e.loops {
			<-l.done
		}
		close(e.allDone)
	}()
	for {
		if e.check() {
			select {
			case <-time.After(monitorPeriod):
			case <-e.allDone:
				return
			}
			continue
		}
		e.parked.Store(true)
		if !e.check() {
			select {
			case <-e.kick:
			case <-e.allDone:
				return
			}
		}
		e.parked.Store(false)
	}
}

// check takes over the loops whose inline run it saw at its last look too,
// and reports whether any loop is serving inline.
func (e *epollEngine) check() bool {
	busy := false
	for _, l := range e.loops {
		seq := l.inlineSeq.Load()
		if seq&1 == 0 {
			continue
		}
		busy = true
		if seq == l.monSeen && l.inlineSeq.CompareAndSwap(seq, seq+1) {
			l.takeOver()
		}
		l.monSeen = seq
	}
	return busy
}

// kickMonitor wakes the monitor if it is parked; a loop calls it as it
// starts serving inline.
func (e *epollEngine) kickMonitor() {
	if e.parked.Load() {
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
}

// stopEngine tells the loops the server closes: they close idle
// connections and exit once they have none.
func (s *Server) stopEngine() {
	s.mu.Lock()
	eng := s.epoll
	s.mu.Unlock()
	if eng == nil {
		return
	}
	for _, l := range eng.loops {
		l.post(loopMsg{kind: msgStop})
	}
}

// abortEngine makes the loops close every connection at once (Close).
func (s *Server) abortEngine() {
	for _, l := range s.loops() {
		l.post(loopMsg{kind: msgAbort})
	}
}

// engineConnections describes the loops' connections: each loop answers
// for its own, as only it may look at them.
func (s *Server) engineConnections(int64) []ConnInfo {
	var infos []ConnInfo
	for _, l := range s.loops() {
		reply := make(chan []ConnInfo, 1)
		l.post(loopMsg{kind: msgSnapshot, reply: reply})
		select {
		case got := <-reply:
			if infos == nil {
				infos = got // no copy when one loop has them all
			} else {
				infos = append(infos, got...)
			}
		case <-l.done:
		}
	}
	return infos
}

// engineGather adds the loops' counts: each loop adds up its own, as only
// it may look at them; a loop that has exited is read directly.
func (s *Server) engineGather(into *gathered) {
	for _, l := range s.loops() {
		sums := make(chan gathered, 1)
		l.post(loopMsg{kind: msgGather, sums: sums})
		var g gathered
		select {
		case g = <-sums:
		case <-l.done:
			g = l.gather()
		}
		into.tally.add(&g.tally)
		for i, n := range g.open {
			into.open[i] += n
		}
	}
}

func (s *Server) loops() []*loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoll == nil {
		return nil
	}
	return s.epoll.loops
}
