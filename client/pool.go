package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"

	"holdfast/internal/sockopt"
)

// hostPool is the pool of one host: its idle connections, hottest last, and
// the callers waiting for MaxConnsPerHost.
type hostPool struct {
	t      *Transport
	key    poolKey  // the map key
	proxy  *url.URL // the proxy connections go through; nil for none
	origin string   // the server's host:port
	addr   string   // host:port to dial: origin, or the proxy's

	mu      sync.Mutex
	idle    []*persistConn // guarded by mu; LIFO: the last is the most recently used
	active  int            // guarded by mu; connections handed out to requests
	dialing int            // guarded by mu; dials in progress (slots taken)
	waiters []*waiter      // guarded by mu; FIFO
	dead    bool           // guarded by mu; removed from Transport.hosts: look it up again
}

// waiter is a caller waiting for a connection slot. It receives either a
// connection that was just released (counted as active), or nil: a slot to
// dial with (counted as dialing).
type waiter struct {
	ch chan *persistConn // buffered 1; sent to once, under hostPool.mu
}

// connState is where a client connection is; guarded by hostPool.mu.
type connState uint8

const (
	connActive connState = iota // handed out to a request
	connIdle                    // in hostPool.idle
	connClosed                  // closed, counted
)

func (h *hostPool) total() int { return len(h.idle) + h.active + h.dialing }

func (h *hostPool) emptyLocked() bool { return h.total() == 0 && len(h.waiters) == 0 }

// getConn returns a connection for one request: the hottest live idle one,
// or a new one. forceNew skips the pool (the retry after a reuse race).
// retryable says the request may be sent again after a lost reuse race,
// which lets a connection used moments ago skip the look at its socket
// (see persistConn.usable).
func (h *hostPool) getConn(ctx context.Context, trace *httptrace.ClientTrace, forceNew, retryable bool) (*persistConn, error) {
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(h.origin)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		c, dial, w := h.take(forceNew)
		switch {
		case c != nil:
			if c.usable(retryable) {
				c.gotConn(trace)
				return c, nil
			}
			h.closeConn(c, CloseStale)
			continue
		case dial:
			return h.dial(ctx, trace)
		case w == nil:
			return nil, errHostGone
		}
		c, dial, err := h.wait(ctx, w)
		switch {
		case err != nil:
			return nil, err
		case dial:
			return h.dial(ctx, trace)
		case forceNew || !c.usable(retryable):
			h.toDial(c, forceNew)
			return h.dial(ctx, trace)
		}
		c.gotConn(trace)
		return c, nil
	}
}

// take pops the hottest idle connection (marked active), or takes a slot
// to dial (dial), or queues a waiter when MaxConnsPerHost is reached.
func (h *hostPool) take(forceNew bool) (c *persistConn, dial bool, w *waiter) {
	var expired []*persistConn
	defer func() {
		for _, e := range expired {
			e.close(e.expireReason)
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dead {
		return nil, false, nil // dropped from the map: look the host up again
	}
	now := time.Now()
	for !forceNew && len(h.idle) > 0 {
		c := h.idle[len(h.idle)-1]
		h.idle = h.idle[:len(h.idle)-1]
		if !c.expires.IsZero() && !now.Before(c.expires) {
			c.state = connClosed
			expired = append(expired, c)
			h.grantLocked()
			continue
		}
		c.state = connActive
		h.active++
		c.wasIdle, c.idleFor = true, now.Sub(c.idleSince)
		return c, false, nil
	}
	max := h.t.cfg.maxConns
	if max > 0 && h.total() >= max && forceNew && len(h.idle) > 0 {
		e := h.idle[0] // make room for the fresh connection: the coldest goes
		h.idle = h.idle[1:]
		e.state = connClosed
		e.expireReason = ClosePoolFull
		expired = append(expired, e)
	}
	if max <= 0 || h.total() < max {
		h.dialing++
		return nil, true, nil
	}
	w = &waiter{ch: make(chan *persistConn, 1)}
	h.waiters = append(h.waiters, w)
	h.t.stats.waits.Add(1)
	return nil, false, w
}

// wait blocks until w is served or ctx ends.
func (h *hostPool) wait(ctx context.Context, w *waiter) (c *persistConn, dial bool, err error) {
	select {
	case c = <-w.ch:
		return c, c == nil, nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	for i, x := range h.waiters {
		if x == w {
			h.waiters = append(h.waiters[:i], h.waiters[i+1:]...)
			h.mu.Unlock()
			return nil, false, ctx.Err()
		}
	}
	h.mu.Unlock()
	// Served while giving up: pass what we got on.
	if c = <-w.ch; c != nil {
		h.release(c)
	} else {
		h.slotDone()
	}
	return nil, false, ctx.Err()
}

// toDial turns an active connection handed to a waiter into a dial slot.
func (h *hostPool) toDial(c *persistConn, forceNew bool) {
	reason := CloseStale
	if forceNew {
		reason = ClosePoolFull
	}
	h.mu.Lock()
	h.active--
	h.dialing++
	c.state = connClosed
	h.mu.Unlock()
	c.close(reason)
}

// slotDone gives back a dial slot that was not used, or whose dial failed.
func (h *hostPool) slotDone() {
	h.mu.Lock()
	h.dialing--
	h.grantLocked()
	h.mu.Unlock()
}

// grantLocked hands a free slot to the first waiter, if any.
func (h *hostPool) grantLocked() {
	if len(h.waiters) == 0 {
		return
	}
	w := h.waiters[0]
	h.waiters = h.waiters[1:]
	h.dialing++
	w.ch <- nil
}

// dial opens a new connection in a slot taken by take or wait.
func (h *hostPool) dial(ctx context.Context, trace *httptrace.ClientTrace) (*persistConn, error) {
	cfg := &h.t.cfg
	// ConnectStart and ConnectDone (and the DNS hooks) fire from within
	// net.Dialer, which reads the trace from the context, as with net/http.
	dctx := ctx
	if cfg.dialTimeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, cfg.dialTimeout)
		defer cancel()
	}
	h.t.stats.dials.Add(1)
	nc, tcp, err := h.connect(ctx, dctx, trace)
	if err != nil {
		h.t.stats.dialErrors.Add(1)
		h.slotDone()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	c := newPersistConn(h, nc, tcp)
	h.t.stats.open.Add(1)
	h.mu.Lock()
	h.dialing--
	h.active++
	h.mu.Unlock()
	c.gotConn(trace)
	return c, nil
}

// connect opens a connection for the pool: TCP to the server or its
// proxy, the tunnel through the proxy, TLS. dctx bounds the dial and the
// tunnel, ctx (the request's) the TLS handshake with its own timeout. It
// returns the connection requests go over and the TCP socket under it.
func (h *hostPool) connect(ctx, dctx context.Context, trace *httptrace.ClientTrace) (nc, tcp net.Conn, err error) {
	cfg := &h.t.cfg
	tcp, err = cfg.dial(dctx, "tcp", h.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("holdfast/client: dial %s: %w", h.addr, err)
	}
	if err := sockopt.Apply(tcp, cfg.sock); err != nil && !errors.Is(err, sockopt.ErrNotTCP) {
		tcp.Close()
		return nil, nil, fmt.Errorf("holdfast/client: socket options on %s: %w", h.addr, err)
	}
	if h.key.scheme != "https" {
		return tcp, tcp, nil
	}
	if h.proxy != nil {
		if err := h.connectTunnel(dctx, tcp); err != nil {
			tcp.Close()
			return nil, nil, fmt.Errorf("holdfast/client: CONNECT %s via %s: %w", h.origin, h.proxy.Redacted(), err)
		}
	}
	tc, err := h.handshake(ctx, tcp, trace)
	if err != nil {
		tcp.Close()
		return nil, nil, fmt.Errorf("holdfast/client: TLS handshake with %s: %w", h.origin, err)
	}
	return tc, tcp, nil
}

// release takes back a connection whose exchange ended cleanly, and pools
// it or hands it to a waiter (true), or closes it (false).
func (h *hostPool) release(c *persistConn) bool {
	now := time.Now()
	if reason := c.retireReason(now); reason != reasonNone {
		h.closeConn(c, reason)
		return false
	}
	c.idleSince = now
	c.setExpiry(now)
	if !c.expires.IsZero() && !now.Before(c.expires) {
		h.closeConn(c, c.expireReason)
		return false
	}
	var evict *persistConn
	h.mu.Lock()
	if len(h.waiters) > 0 {
		w := h.waiters[0]
		h.waiters = h.waiters[1:]
		c.wasIdle, c.idleFor = false, 0
		w.ch <- c // stays active, now the waiter's
		h.mu.Unlock()
		return true
	}
	if max := h.t.cfg.maxIdle; max > 0 && len(h.idle) >= max {
		evict = h.idle[0]
		h.idle = append(h.idle[:0], h.idle[1:]...)
		evict.state = connClosed
	}
	c.state = connIdle
	h.active--
	h.idle = append(h.idle, c)
	c.armIdleTimer(now)
	h.mu.Unlock()
	if evict != nil {
		evict.close(ClosePoolFull)
	}
	return true
}

// closeConn closes an active connection and gives its slot to a waiter.
func (h *hostPool) closeConn(c *persistConn, reason CloseReason) {
	h.mu.Lock()
	if c.state == connActive {
		h.active--
		h.grantLocked()
	}
	c.state = connClosed
	h.mu.Unlock()
	c.close(reason)
}

// idleExpired runs on an idle connection's timer.
func (h *hostPool) idleExpired(c *persistConn) {
	h.mu.Lock()
	c.timerAt = time.Time{}
	if c.state != connIdle {
		h.mu.Unlock()
		return
	}
	if d := time.Until(c.expires); d > 0 { // set for an earlier expiry (see armIdleTimer)
		c.timerAt = c.expires
		c.idleTimer.Reset(d)
		h.mu.Unlock()
		return
	}
	h.removeIdleLocked(c)
	h.grantLocked()
	empty := h.emptyLocked()
	h.mu.Unlock()
	c.close(c.expireReason)
	if empty {
		h.t.dropIfEmpty(h)
	}
}

func (h *hostPool) removeIdleLocked(c *persistConn) {
	for i, x := range h.idle {
		if x == c {
			h.idle = append(h.idle[:i], h.idle[i+1:]...)
			break
		}
	}
	c.state = connClosed
}

// closeIdle closes every idle connection of the host.
func (h *hostPool) closeIdle(reason CloseReason) {
	h.mu.Lock()
	idle := h.idle
	h.idle = nil
	for _, c := range idle {
		c.state = connClosed
		h.grantLocked()
	}
	h.mu.Unlock()
	for _, c := range idle {
		c.close(reason)
	}
}

// counts reports the host's connections for Stats.
func (h *hostPool) counts() HostStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HostStats{Idle: len(h.idle), Active: h.active, Dialing: h.dialing, Waiting: len(h.waiters)}
}
