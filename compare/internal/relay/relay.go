// Package relay is a TCP proxy that delays every segment, in each
// direction, by a random 10–25 ms (the default), keeping order, and passes
// the ends on: a FIN as a half-close, a reset as a reset. It stands for the
// network between a client and a server in the reuse-race report
// (cmd/clientbench -race-report): with it, a server's close takes time to
// reach the client, and a request sent in that time meets it.
package relay

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Relay accepts on a loopback port and forwards each connection to Target.
type Relay struct {
	Target   string
	MinDelay time.Duration // default 10 ms
	Jitter   time.Duration // added at random, up to; default 15 ms

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[*net.TCPConn]struct{} // guarded by mu
	done  bool                      // guarded by mu
}

// Start listens and starts relaying to target with the default delays.
func Start(target string) (*Relay, error) {
	r := &Relay{Target: target, MinDelay: 10 * time.Millisecond, Jitter: 15 * time.Millisecond}
	return r, r.listen()
}

func (r *Relay) listen() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.ln, r.conns = ln, make(map[*net.TCPConn]struct{})
	r.wg.Add(1)
	go r.accept()
	return nil
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
		u, err := net.Dial("tcp", r.Target)
		if err != nil {
			c.Close()
			continue
		}
		client, server := c.(*net.TCPConn), u.(*net.TCPConn)
		if !r.track(client, server) {
			return
		}
		r.wg.Add(4) // two forwarders, each with its reader
		go r.forward(client, server)
		go r.forward(server, client)
	}
}

// track registers a pair, or closes it if the relay is closing.
func (r *Relay) track(cs ...*net.TCPConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		if r.done {
			c.Close()
			continue
		}
		r.conns[c] = struct{}{}
	}
	return !r.done
}

// event is what crossed the relay at one time: bytes, or the end.
type event struct {
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
	line := make(chan event, 1024)
	go func() {
		defer r.wg.Done()
		r.read(src, line)
	}()
	for ev := range line {
		time.Sleep(time.Until(ev.due))
		switch {
		case ev.reset:
			dst.SetLinger(0) // close with RST
			dst.Close()
			src.Close()
		case ev.end:
			dst.CloseWrite()
		default:
			if _, err := dst.Write(ev.data); err != nil {
				src.SetLinger(0)
				src.Close()
			}
		}
	}
}

func (r *Relay) read(src *net.TCPConn, line chan<- event) {
	defer close(line)
	var last time.Time
	for {
		buf := make([]byte, 16<<10)
		n, err := src.Read(buf)
		due := time.Now().Add(r.MinDelay)
		if r.Jitter > 0 {
			due = due.Add(rand.N(r.Jitter))
		}
		if due.Before(last) {
			due = last
		}
		last = due
		if n > 0 {
			line <- event{due: due, data: buf[:n]}
		}
		if err != nil {
			line <- event{due: due, end: true, reset: !errors.Is(err, io.EOF)}
			return
		}
	}
}

// Close stops accepting, closes every relayed connection, and waits for
// the relay's goroutines.
func (r *Relay) Close() {
	r.mu.Lock()
	r.done = true
	r.ln.Close()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
