package testrig

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// Delay is how long a relay holds each segment, in each direction: a
// random time from Min to Max.
type Delay struct {
	Min, Max time.Duration
}

// RaceDelay is 10–25 ms each way: long enough that a server's close is
// still on its way when a client sends its next request on the connection,
// the reuse race a client must survive.
var RaceDelay = Delay{Min: 10 * time.Millisecond, Max: 25 * time.Millisecond}

// pick returns one segment's delay.
func (d Delay) pick() time.Duration {
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + rand.N(d.Max-d.Min)
}

// Relay is a TCP proxy on a loopback port that stands for the network
// between a client and a server: it delays every segment, keeping order,
// and passes the ends on, a FIN as a half-close and a reset as a reset,
// also one that follows a FIN (a host that closed resets what reaches it
// afterwards).
type Relay struct {
	target string
	delay  Delay
	ln     net.Listener
	wg     sync.WaitGroup // the accept loop, and two goroutines per direction

	mu     sync.Mutex
	conns  map[*net.TCPConn]struct{} // guarded by mu
	closed bool                      // guarded by mu
}

// ListenRelay listens on a free loopback port and relays each connection
// to target. Its owner must Close it.
func ListenRelay(target string, delay Delay) (*Relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{target: target, delay: delay, ln: ln, conns: make(map[*net.TCPConn]struct{})}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// NewRelay is ListenRelay for a test: it fails the test on error and
// closes the relay when the test ends.
func NewRelay(t testing.TB, target string, delay Delay) *Relay {
	t.Helper()
	r, err := ListenRelay(target, delay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// Addr is the address clients connect to.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		client, server := c.(*net.TCPConn), u.(*net.TCPConn)
		if !r.track(client, server) {
			return
		}
		r.wg.Add(4)
		go r.forward(client, server)
		go r.forward(server, client)
	}
}

// track registers a pair, or closes it if the relay is closing.
func (r *Relay) track(cs ...*net.TCPConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		if r.closed {
			c.Close()
			continue
		}
		r.conns[c] = struct{}{}
	}
	return !r.closed
}

// segment is what crossed the relay at one time: bytes, or the end.
type segment struct {
	due   time.Time
	data  []byte
	end   bool
	reset bool // the end was an error (a reset), not a FIN
}

// forward copies src to dst through a delay line. The reader stamps each
// read with its due time, never earlier than the previous one's, so order
// is kept; the writer delivers each at its time.
func (r *Relay) forward(src, dst *net.TCPConn) {
	defer r.wg.Done()
	line := make(chan segment, 1024)
	go func() {
		defer r.wg.Done()
		r.read(src, line)
	}()
	for s := range line {
		time.Sleep(time.Until(s.due))
		switch {
		case s.reset:
			dst.SetLinger(0) // close with RST
			dst.Close()
			src.Close()
		case s.end:
			dst.CloseWrite()
		default:
			if _, err := dst.Write(s.data); err != nil {
				src.SetLinger(0)
				src.Close()
			}
		}
	}
}

func (r *Relay) read(src *net.TCPConn, line chan<- segment) {
	defer close(line)
	var last time.Time
	for {
		buf := make([]byte, 16<<10)
		n, err := src.Read(buf)
		due := time.Now().Add(r.delay.pick())
		if due.Before(last) {
			due = last
		}
		last = due
		if n > 0 {
			line <- segment{due: due, data: buf[:n]}
		}
		if err != nil {
			line <- segment{due: due, end: true, reset: !errors.Is(err, io.EOF)}
			if errors.Is(err, io.EOF) && resetLater(src) {
				line <- segment{due: time.Now().Add(r.delay.pick()), end: true, reset: true}
			}
			return
		}
	}
}

// Close stops accepting, closes every relayed connection, and waits for
// the relay's goroutines.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	r.ln.Close()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
