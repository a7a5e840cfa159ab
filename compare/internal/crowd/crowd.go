package crowd

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is what each connection of a crowd does.
type Kind int

const (
	// SlowHeaders sends a request line, then one header line per
	// Interval, and never the blank line that ends the head.
	SlowHeaders Kind = iota
	// KeepAlive sends a GET every Interval (jittered ±50%) and closes
	// the connection itself after about Lifetime.
	KeepAlive
)

// Config is one crowd.
type Config struct {
	Addr     string   // host:port of the server
	Path     string   // request path; default "/"
	Sources  []net.IP // local addresses, used in turn; default the kernel's choice
	Kind     Kind
	N        int           // connections held at once
	Rate     int           // new connections per second at most, over the crowd; default N
	Interval time.Duration // between header lines (SlowHeaders) or requests (KeepAlive)
	Lifetime time.Duration // KeepAlive: the client closes after 0.5–1.5 × this; 0: never
	Timeout  time.Duration // each dial and each response; default 10s
}

// Crowd is a running set of connections; Run drives it.
type Crowd struct {
	cfg    Config
	open   atomic.Int64 // connections established and not yet ended
	tokens chan struct{}

	mu    sync.Mutex // guards tally
	tally Tally
}

// New returns a crowd that Run will start.
func New(cfg Config) *Crowd {
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.Rate <= 0 {
		cfg.Rate = cfg.N
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Crowd{cfg: cfg, tokens: make(chan struct{}), tally: newTally()}
}

// Open is the count of connections established and not yet ended.
func (c *Crowd) Open() int64 { return c.open.Load() }

// Tally is a copy of the counts so far.
func (c *Crowd) Tally() Tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tally.clone()
}

// Run holds cfg.N connections until ctx ends, replacing each that ends,
// then closes them all and returns once every one is closed.
func (c *Crowd) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { c.pace(ctx) })
	for slot := range c.cfg.N {
		wg.Go(func() { c.hold(ctx, slot) })
	}
	wg.Wait()
}

// pace hands out one token per 1/Rate second: each new connection takes one.
func (c *Crowd) pace(ctx context.Context) {
	tick := time.NewTicker(time.Second / time.Duration(c.cfg.Rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case <-ctx.Done():
			return
		case c.tokens <- struct{}{}:
		default: // nobody waits: a token is not saved up for a burst
		}
	}
}

// hold keeps one connection open in its slot: when it ends, another.
func (c *Crowd) hold(ctx context.Context, slot int) {
	var src net.IP
	if n := len(c.cfg.Sources); n > 0 {
		src = c.cfg.Sources[slot%n]
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.tokens:
		}
		c.one(ctx, src)
	}
}

// one opens a connection, runs it to its end and counts how it ended.
func (c *Crowd) one(ctx context.Context, src net.IP) {
	d := net.Dialer{Timeout: c.cfg.Timeout}
	if src != nil {
		d.LocalAddr = &net.TCPAddr{IP: src}
	}
	conn, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		if ctx.Err() == nil {
			c.count(func(t *Tally) { t.DialFailed++ })
		}
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.open.Add(1)
	defer c.open.Add(-1)
	c.count(func(t *Tally) { t.Opened++ })
	start := time.Now()
	var e ending
	if c.cfg.Kind == SlowHeaders {
		e = c.slowHeaders(ctx, conn)
	} else {
		e = c.keepAlive(ctx, conn)
	}
	life := time.Since(start)
	c.count(func(t *Tally) { t.add(e, life) })
}

func (c *Crowd) count(f func(*Tally)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.tally)
}

// jitter is d × a factor uniform in [0.5, 1.5).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}
