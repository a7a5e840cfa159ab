package testrig

import (
	"net"
	"sync"
	"testing"
)

// RawServer is a TCP server on loopback that hands each accepted
// connection to a function of the test, on a goroutine of its own, and
// closes the connection when the function returns. The test's cleanup
// closes the listener and every open connection and waits for the
// goroutines.
type RawServer struct {
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	open     map[net.Conn]bool // guarded by mu
	accepted int               // guarded by mu
}

// NewRawServer starts a RawServer on an ephemeral loopback port.
func NewRawServer(t testing.TB, serve func(c net.Conn)) *RawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &RawServer{ln: ln, open: make(map[net.Conn]bool)}
	s.wg.Add(1)
	go s.acceptLoop(serve)
	t.Cleanup(s.Close)
	return s
}

func (s *RawServer) acceptLoop(serve func(c net.Conn)) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.open[c] = true
		s.accepted++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.forget(c)
			serve(c)
		}()
	}
}

func (s *RawServer) forget(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
}

// Addr is the server's host:port.
func (s *RawServer) Addr() string { return s.ln.Addr().String() }

// URL is "http://" and the server's address, without a path.
func (s *RawServer) URL() string { return "http://" + s.Addr() }

// Accepted counts the connections accepted so far.
func (s *RawServer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Close closes the listener and the open connections and waits for the
// serving goroutines. It may be called more than once.
func (s *RawServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
