package holdfast_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"holdfast"
)

// resetCounter dials connections that count the resets they see.
type resetCounter struct{ resets atomic.Int64 }

func (rc *resetCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: nc, rc: rc}, nil
}

type countingConn struct {
	net.Conn
	rc *resetCounter
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rc.saw(err)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.rc.saw(err)
	return n, err
}

func (rc *resetCounter) saw(err error) {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		rc.resets.Add(1)
	}
}

// drainLoad is what the callers of TestShutdownUnderLoad saw.
type drainLoad struct {
	ok, closing, refused, failed atomic.Int64
	mu                           sync.Mutex
	first                        error // guarded by mu
}

// call sends one GET and reports whether the caller should go on: a
// refused dial means the server no longer listens — the request never
// reached it.
func (ld *drainLoad) call(hc *http.Client, url string) bool {
	resp, err := hc.Get(url)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			ld.refused.Add(1)
			return false
		}
		ld.fail(err)
		return true
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		ld.fail(err)
	case resp.StatusCode != 200 || string(body) != "ok\n":
		ld.fail(errors.New(resp.Status + " " + string(body)))
	default:
		ld.ok.Add(1)
		if resp.Close {
			ld.closing.Add(1)
		}
	}
	return true
}

func (ld *drainLoad) fail(err error) {
	ld.failed.Add(1)
	ld.mu.Lock()
	if ld.first == nil {
		ld.first = err
	}
	ld.mu.Unlock()
}

// Shutdown under steady keep-alive load: every request that reached the
// server is answered in full (an RFC 9110 client retries an idempotent
// request whose reused connection closed before any response byte; a
// refused dial after the listener closed never reached it), requests in
// flight are answered with Connection: close, and no connection is reset.
func TestShutdownUnderLoad(t *testing.T) {
	const callers, warm = 16, 400
	run(t, func(t *testing.T, e holdfast.Engine) {
		var served atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if served.Add(1)%4 == 0 {
				time.Sleep(2 * time.Millisecond) // some requests are in flight at any time
			}
			w.Write([]byte("ok\n"))
		})
		ts := newServer(t, e, h)
		rc := &resetCounter{}
		tr := &http.Transport{DialContext: rc.dial, MaxIdleConnsPerHost: callers}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr, Timeout: ioTimeout}
		ld := &drainLoad{}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for ctx.Err() == nil && ld.call(hc, "http://"+ts.addr+"/") {
				}
			})
		}
		for ld.ok.Load() < warm && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		if err := ts.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		wg.Wait()
		t.Logf("%d answered (%d with Connection: close), %d refused after the close, %d failed, %d resets",
			ld.ok.Load(), ld.closing.Load(), ld.refused.Load(), ld.failed.Load(), rc.resets.Load())
		if ld.failed.Load() != 0 || rc.resets.Load() != 0 {
			t.Fatalf("%d failed, %d resets; first failure: %v", ld.failed.Load(), rc.resets.Load(), ld.first)
		}
		if ld.ok.Load() < warm || ld.closing.Load() == 0 || ld.refused.Load() != callers {
			t.Fatalf("%d answered, %d with Connection: close, %d callers refused: the load did not meet the shutdown",
				ld.ok.Load(), ld.closing.Load(), ld.refused.Load())
		}
	})
}
