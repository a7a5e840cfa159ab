package holdfast

import (
	"strings"
	"sync"
	"time"
)

// Admission: the connection cap (Policy.MaxConns), the per-address cap
// (Policy.MaxConnsPerIP), and the hold time that shrinks as the count
// nears the cap. Shedding itself is the engines' (shed.go for the
// goroutine engine, epoll_shed_linux.go for the loops).

// HoldTime is the hold time an idle connection is given when open
// connections are open under p: IdleTimeout while at most half of MaxConns
// are open, then shrinking in proportion to the room left — IdleTimeout ×
// 2 × (MaxConns − open) / MaxConns — but never under a second (nor over
// IdleTimeout). With MaxConns 10,000 and the 75 s default: 75 s up to
// 5,000 open, 37.5 s at 7,500, 7.5 s at 9,500, 1 s from 9,934 on. The
// Keep-Alive hint of a response tells the client the hold time so
// computed, so a client near the cap retires its connection before the
// server closes it. Without MaxConns, or without a hold time, it is
// IdleTimeout (0: none).
func (p Policy) HoldTime(open int) time.Duration {
	r := p.resolve()
	return r.holdTime(int64(open))
}

// minHoldTime is the shortest hold time near the cap: a client that
// reuses its connection at once still can.
const minHoldTime = time.Second

func (p *policy) holdTime(open int64) time.Duration {
	d := p.idleTimeout
	limit := int64(p.maxConns)
	if d <= 0 || limit <= 0 || 2*open <= limit {
		return d
	}
	left := limit - min(open, limit)
	shrunk := time.Duration(float64(d) * 2 * float64(left) / float64(limit))
	return min(d, max(shrunk, minHoldTime))
}

// full reports whether the server is at its connection cap.
func (s *Server) full() bool {
	return s.pol().maxConns > 0 && s.live.Load() >= int64(s.pol().maxConns)
}

// overCap reports whether admitting the connections already counted put
// the server over its cap: one is to be shed.
func (s *Server) overCap() bool {
	return s.pol().maxConns > 0 && s.live.Load() > int64(s.pol().maxConns)
}

// warnAtCap tells the operator that the cap holds new connections back:
// every open connection has a request in flight (rate-limited, as every
// line of the error log).
func (s *Server) warnAtCap() {
	s.logWarn("at the connection cap with no idle connection to shed; new connections wait in the listen backlog", "max_conns", s.pol().maxConns)
}

// addressCounts counts the open connections of each client address, for
// Policy.MaxConnsPerIP.
type addressCounts struct {
	mu     sync.Mutex
	counts map[string]int32 // guarded by mu
}

// hostOf cuts the port off a remote address ("10.0.0.1:5000",
// "[::1]:5000").
func hostOf(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return remote[:i]
	}
	return remote
}

// admit counts a connection from remote and reports whether its address
// was under the cap; a refused connection is counted too, until it goes.
func (a *addressCounts) admit(remote string, limit int) bool {
	host := hostOf(remote)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.counts == nil {
		a.counts = make(map[string]int32)
	}
	n := a.counts[host]
	a.counts[host] = n + 1
	return int(n) < limit
}

func (a *addressCounts) release(remote string) {
	host := hostOf(remote)
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := a.counts[host]; n > 1 {
		a.counts[host] = n - 1
	} else {
		delete(a.counts, host)
	}
}

// signalRoom tells an engine that waits for room under the cap that a
// connection went or became idle (sheddable).
func (s *Server) signalRoom() {
	select {
	case s.room <- struct{}{}:
	default:
	}
}

// roomWait bounds one wait for room.
const roomWait = 50 * time.Millisecond

// waitRoom waits, at the cap with nothing to shed, until a connection
// goes or becomes idle, the server closes, or a tick passes (a bounded
// wait: room may come from a connection whose signal was taken by
// another waiter).
func (s *Server) waitRoom() {
	t := time.NewTimer(roomWait)
	defer t.Stop()
	select {
	case <-s.room:
	case <-s.done:
	case <-t.C:
	}
}
