package proxy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawUpstream is an upstream of the test's making: it parses each request
// with net/http's reader, records it, and answers with the raw bytes its
// answer function returns ("" closes the connection without an answer;
// an answer ending in closeAfter is written and then the connection is
// closed).
type rawUpstream struct {
	url    string
	ln     net.Listener
	answer func(r *seenRequest) string

	mu    sync.Mutex
	seen  []*seenRequest // guarded by mu
	conns int            // guarded by mu
	wg    sync.WaitGroup
}

// seenRequest is a request as the upstream read it.
type seenRequest struct {
	*http.Request
	Body string
	Conn int // the connection's number, from 1
}

// closeAfter ends an answer after which the upstream closes.
const closeAfter = "\x00close"

// okAnswer is a small complete response.
const okAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

func startRawUpstream(t *testing.T, answer func(r *seenRequest) string) *rawUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &rawUpstream{url: "http://" + ln.Addr().String(), ln: ln, answer: answer}
	u.wg.Add(1)
	go u.accept()
	t.Cleanup(func() {
		ln.Close()
		u.wg.Wait()
	})
	return u
}

func (u *rawUpstream) accept() {
	defer u.wg.Done()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for {
		nc, err := u.ln.Accept()
		if err != nil {
			return
		}
		conns = append(conns, nc)
		u.mu.Lock()
		u.conns++
		id := u.conns
		u.mu.Unlock()
		u.wg.Add(1)
		go u.serve(nc, id)
	}
}

func (u *rawUpstream) serve(nc net.Conn, id int) {
	defer u.wg.Done()
	defer nc.Close()
	br := bufio.NewReader(nc)
	for {
		nc.SetReadDeadline(time.Now().Add(ioTimeout))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		r := &seenRequest{Request: req, Body: string(body), Conn: id}
		u.mu.Lock()
		u.seen = append(u.seen, r)
		u.mu.Unlock()
		out := u.answer(r)
		if out == "" {
			return
		}
		out, closing := strings.CutSuffix(out, closeAfter)
		if _, err := io.WriteString(nc, out); err != nil || closing {
			return
		}
	}
}

// requests returns the requests seen so far.
func (u *rawUpstream) requests() []*seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*seenRequest(nil), u.seen...)
}

func (u *rawUpstream) connections() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.conns
}

func (u *rawUpstream) last(t *testing.T) *seenRequest {
	t.Helper()
	seen := u.requests()
	if len(seen) == 0 {
		t.Fatal("the upstream saw no request")
	}
	return seen[len(seen)-1]
}
