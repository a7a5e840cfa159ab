package bench

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/internal/http1"
)

// answer says how the test server responds.
type answer int

const (
	answerLength  answer = iota // Content-Length body
	answerChunked               // chunked body
	answerEOF                   // body delimited by closing
	answerGarbage               // not HTTP
	answerSilent                // close without answering
)

// countServer is a raw HTTP/1.x server that counts what it receives and
// answers every request the same way, honouring the request's persistence.
type countServer struct {
	ln       net.Listener
	answer   answer
	conns    atomic.Int64
	requests atomic.Int64
	http10   atomic.Int64 // requests that said HTTP/1.0
	closeTok atomic.Int64 // requests with Connection: close
	maxBatch atomic.Int64 // most complete requests found in one read
	// silentAfter makes the first connection answer once and close, and
	// every later one close without answering: a server that fails
	// after the run has started. Set before the first request.
	silentAfter bool
	// stall delays the answer to the second request, as a server that
	// pauses (a GC, a lock) does. Set before the first request.
	stall time.Duration

	mu   sync.Mutex
	open map[net.Conn]bool // guarded by mu
	wg   sync.WaitGroup
}

func newCountServer(t testing.TB, a answer) *countServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &countServer{ln: ln, answer: a, open: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *countServer) url() string { return "http://" + s.ln.Addr().String() + "/hello" }

func (s *countServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		n := s.conns.Add(1)
		s.mu.Lock()
		s.open[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c, n)
			s.mu.Lock()
			delete(s.open, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

func (s *countServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *countServer) serve(c net.Conn, n int64) {
	buf := make([]byte, 64<<10)
	var p http1.Parser
	var req http1.Request
	var out []byte
	have := 0
	for {
		k, err := c.Read(buf[have:])
		if k == 0 && err != nil {
			return
		}
		have += k
		batch := int64(0)
		for {
			p.Reset()
			m, err := p.ParseRequest(buf[:have], &req)
			if err != nil || m == 0 {
				break
			}
			m += int(max(req.ContentLength, 0)) // bodies are small and arrive whole here
			copy(buf, buf[m:have])
			have -= m
			batch++
			keep, ok := s.count(&req, n)
			if !ok {
				return
			}
			out = s.respond(out[:0], keep, &req)
			if _, err := c.Write(out); err != nil || !keep || s.answer == answerEOF {
				return
			}
		}
		for cur := s.maxBatch.Load(); batch > cur && !s.maxBatch.CompareAndSwap(cur, batch); cur = s.maxBatch.Load() {
		}
	}
}

// count records a request; ok is false when the server is to hang up
// without answering.
func (s *countServer) count(req *http1.Request, connNo int64) (keep, ok bool) {
	if s.requests.Add(1) == 2 && s.stall > 0 {
		time.Sleep(s.stall)
	}
	if req.Version == http1.HTTP10 {
		s.http10.Add(1)
	}
	if req.Close {
		s.closeTok.Add(1)
	}
	if s.answer == answerSilent || (s.silentAfter && connNo > 1) {
		return false, false
	}
	return http1.Persistent(req.Version, req.Close, req.KeepAlive) && !s.silentAfter, true
}

func (s *countServer) respond(out []byte, keep bool, req *http1.Request) []byte {
	conn := ""
	switch {
	case !keep:
		conn = "Connection: close\r\n"
	case req.Version == http1.HTTP10:
		conn = "Connection: keep-alive\r\n"
	}
	switch s.answer {
	case answerChunked:
		out = append(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"...)
		out = append(out, conn...)
		return append(out, "\r\n5\r\nHello\r\n8\r\n, World!\r\n0\r\n\r\n"...)
	case answerEOF:
		return append(out, "HTTP/1.1 200 OK\r\n\r\nHello, World!"...)
	case answerGarbage:
		return append(out, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n"...)
	}
	out = append(out, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n"...)
	out = append(out, conn...)
	return append(out, "\r\nHello, World!"...)
}

// refusedAddr returns an address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("output lacks %q:\n%s", sub, s)
		}
	}
}
