package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/testrig"
)

// A server that half-closes a kept connection (its FIN) and goes on
// reading sends no reset when a request arrives: the FIN is all the client
// will ever get. Here the FIN lands after the look before reuse (or where
// that look is skipped) and before the request is written, and Go's
// network poller collects its readiness before the Transport starts the
// write: the Transport must see the close at once and retry or fail as on
// any lost reuse race, not wait for an answer that never comes.
func TestTransportFINBeforeWrite(t *testing.T) {
	cases := []struct {
		name, method string
		fresh        time.Duration // freshIdle for the case
		finInBody    bool          // the FIN lands while the body is read: after the look
		retried      bool
	}{
		// Used moments ago: the look is skipped, the FIN came while idle.
		{"GET-fresh", "GET", time.Hour, false, true},
		// Looked at, found alive; the FIN lands just after.
		{"PUT-checked", "PUT", 0, true, true},
		{"POST-checked", "POST", 0, true, false},
	}
	saved := freshIdle
	defer func() { freshIdle = saved }()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testrig.CheckLeaks(t)
			freshIdle = tc.fresh
			srv := newHalfCloser(t)
			dialer := &recordingDialer{}
			tr := &Transport{DialContext: dialer.DialContext}
			defer tr.CloseIdleConnections()
			get(t, tr, srv.URL()) // the connection to reuse
			kept := dialer.first()
			land := func() error {
				srv.sendFIN()
				if err := awaitFIN(kept); err != nil {
					return err
				}
				return pollerCaughtUp()
			}
			var body io.Reader
			if tc.finInBody {
				body = &hookedBody{data: "payload", before: land}
			} else if err := land(); err != nil {
				t.Fatal(err)
			}
			// Bounds the wait of a Transport that missed the FIN.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, tc.method, srv.URL(), body)
			if body != nil {
				req.ContentLength = int64(len("payload"))
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }
			}
			resp, err := tr.RoundTrip(req)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the Transport waited for an answer on a connection the server had closed: %v", err)
			}
			st := tr.Stats()
			if !tc.retried {
				if err == nil {
					resp.Body.Close()
					t.Fatal("a request that may not be retried succeeded on a second connection")
				}
				if !errors.Is(err, ErrReusedConnClosed) {
					t.Errorf("error: %v, want ErrReusedConnClosed", err)
				}
				if st.ReuseFailures != 1 || st.Retries != 0 || st.Dials != 1 {
					t.Errorf("reuse failures %d, retries %d, dials %d; want 1, 0, 1", st.ReuseFailures, st.Retries, st.Dials)
				}
				return
			}
			if err != nil {
				t.Fatalf("not retried: %v", err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := "ok:" + tc.method; string(got) != want {
				t.Errorf("body %q, want %q", got, want)
			}
			if st.ReuseFailures != 1 || st.Retries != 1 || st.Dials != 2 {
				t.Errorf("reuse failures %d, retries %d, dials %d; want 1, 1, 2", st.ReuseFailures, st.Retries, st.Dials)
			}
		})
	}
}

// halfCloser is a raw server whose first connection answers one request,
// then, on sendFIN, half-closes and reads whatever the client still sends
// until the client closes: a lingering close, which never resets. Later
// connections answer every request with "ok:" and its method.
type halfCloser struct {
	*rawServer
	fin     chan struct{}
	sendFIN func() // closes fin, once
}

func newHalfCloser(t *testing.T) *halfCloser {
	h := &halfCloser{fin: make(chan struct{})}
	h.sendFIN = sync.OnceFunc(func() { close(h.fin) })
	var conns atomic.Int32
	h.rawServer = newRawServer(t, func(c net.Conn) {
		if conns.Add(1) > 1 {
			serveLoop(c, 0, nil, func(_ int, req *http.Request, _ []byte) []byte {
				return rawResponse(200, "ok:"+req.Method)
			})
			return
		}
		if _, _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		if _, err := c.Write(rawResponse(200, "first")); err != nil {
			return
		}
		<-h.fin
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
	})
	t.Cleanup(h.sendFIN) // before the server's Close, which waits for this handler
	return h
}

// recordingDialer dials as the Transport does by default and keeps the
// connections, handed to the Transport as they are (plain *net.TCPConn).
type recordingDialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, c)
		d.mu.Unlock()
	}
	return c, err
}

func (d *recordingDialer) first() net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conns[0]
}

// hookedBody is a request body that runs before on its first Read: the
// Transport reads a small body after it took the connection and before it
// writes the request.
type hookedBody struct {
	data   string
	before func() error
	r      *strings.Reader
}

func (b *hookedBody) Read(p []byte) (int, error) {
	if b.r == nil {
		if err := b.before(); err != nil {
			return 0, err
		}
		b.r = strings.NewReader(b.data)
	}
	return b.r.Read(p)
}

func (b *hookedBody) Close() error { return nil }

// awaitFIN waits until the peer's FIN has reached c's socket, bounded.
func awaitFIN(c net.Conn) error {
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err
	}
	var revents int16
	err = raw.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		for {
			if _, err = unix.Poll(fds, 10_000); err != unix.EINTR {
				break
			}
		}
		revents = fds[0].Revents
	})
	if err != nil {
		return err
	}
	if revents&unix.POLLRDHUP == 0 {
		return fmt.Errorf("no FIN on the kept connection (poll events %#x)", revents)
	}
	return nil
}

// pollerCaughtUp returns once Go's network poller has collected the
// readiness the kernel queued before the call: it sends a byte over a
// loopback connection whose other end a goroutine waits on. The poller
// hands events over in the order the kernel queued them, so a wait that
// the poller ends has had the earlier ones collected with it. A read that
// found the byte at once, without waiting, proves nothing: then the round
// is repeated (bounded).
func pollerCaughtUp() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	sender, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer sender.Close()
	waiter, err := ln.Accept()
	if err != nil {
		return err
	}
	raw, err := waiter.(*net.TCPConn).SyscallConn()
	if err != nil {
		waiter.Close()
		return err
	}
	waited := make(chan bool)
	go func() {
		defer close(waited)
		var buf [1]byte
		for {
			blocked := false
			err := raw.Read(func(fd uintptr) bool {
				_, err := syscall.Read(int(fd), buf[:])
				if err == syscall.EAGAIN {
					blocked = true
					return false
				}
				return true
			})
			if err != nil {
				return
			}
			waited <- blocked
		}
	}()
	defer func() {
		waiter.Close()
		for range waited {
		}
	}()
	for range 1000 {
		if _, err := sender.Write([]byte{1}); err != nil {
			return err
		}
		if <-waited {
			return nil
		}
	}
	return errors.New("the poller never woke the waiting read")
}
