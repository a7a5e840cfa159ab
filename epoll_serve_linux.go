package holdfast

import (
	"errors"
	"net"
	"runtime"
	"syscall"

	"holdfast/internal/sockopt"
)

// epollEngine is a server's set of event loops, started by its first Serve
// with the epoll engine and stopped when the server closes.
type epollEngine struct {
	loops []*loop
}

func availableEngines() []Engine { return []Engine{EngineGoroutine, EngineEpoll} }

// serveEpoll hands the listener to the server's loops and waits until the
// server closes.
func (s *Server) serveEpoll(ln net.Listener) error {
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
	raw.Control(func(fd uintptr) {
		lfd = int(fd)
		// Accepted sockets inherit the keepalive settings and
		// TCP_NODELAY (not the user timeout, set per connection): no
		// system calls for them per accept once the connections queued
		// before this are taken (see loop.accept).
		o := s.pol.sock
		o.UserTimeout = 0
		if serr = sockopt.ApplyFD(lfd, o); serr == nil {
			serr = sockopt.SetNoDelayFD(lfd)
		}
	})
	if serr != nil {
		return serr
	}
	for _, l := range eng.loops {
		l.post(loopMsg{kind: msgListen, fd: lfd})
	}
	<-s.done
	return ErrServerClosed
}

// startLoops starts the loops once: one per processor.
func (s *Server) startLoops() (*epollEngine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoll != nil {
		return s.epoll, nil
	}
	eng := &epollEngine{}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		l, err := newLoop(s)
		if err != nil {
			for _, l := range eng.loops {
				l.post(loopMsg{kind: msgStop})
			}
			return nil, err
		}
		eng.loops = append(eng.loops, l)
		go l.run()
	}
	s.epoll = eng
	return eng, nil
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
