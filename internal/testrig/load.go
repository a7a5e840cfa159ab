package testrig

import (
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
)

// A steady keep-alive load for tests of a server that stops or hands over
// while it is served: callers send GETs back to back through net/http's
// Transport — an RFC 9110 client, which sends again an idempotent request
// whose reused connection failed before any response byte — over
// connections that count the resets they see.

// LoadConfig describes a load.
type LoadConfig struct {
	URL     string
	Callers int    // goroutines sending requests, each on its own connection
	Body    string // the answer every request must get; "": any, with status 200
	// RefusedEnds makes a refused dial end its caller, counted in Refused:
	// the server stopped listening, the request never reached it.
	// Otherwise it is a failure.
	RefusedEnds bool
	Limit       time.Duration // how long callers may run in all; 0: a minute
}

// Load is a running load. Its counts are atomic.
type Load struct {
	OK      atomic.Int64 // answered in full
	Closing atomic.Int64 // answered with Connection: close
	Refused atomic.Int64 // callers ended by a refused dial (RefusedEnds)
	Failed  atomic.Int64 // anything else
	Resets  atomic.Int64 // ECONNRESET or EPIPE seen on a connection, retried or not

	cfg    LoadConfig
	mu     sync.Mutex
	first  error // guarded by mu
	cancel context.CancelFunc
	wg     sync.WaitGroup
	tr     *http.Transport
}

// StartLoad starts the callers; the test's end stops them.
func StartLoad(t testing.TB, cfg LoadConfig) *Load {
	if cfg.Limit == 0 {
		cfg.Limit = time.Minute
	}
	ld := &Load{cfg: cfg}
	ld.tr = &http.Transport{DialContext: ld.dial, MaxIdleConnsPerHost: cfg.Callers}
	hc := &http.Client{Transport: ld.tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Limit)
	ld.cancel = cancel
	for range cfg.Callers {
		ld.wg.Go(func() {
			for ctx.Err() == nil && ld.call(hc) {
			}
		})
	}
	t.Cleanup(ld.Stop)
	return ld
}

// call sends one GET and reports whether its caller goes on.
func (ld *Load) call(hc *http.Client) bool {
	resp, err := hc.Get(ld.cfg.URL)
	if err != nil {
		var op *net.OpError
		if ld.cfg.RefusedEnds && errors.As(err, &op) && op.Op == "dial" {
			ld.Refused.Add(1)
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
	case resp.StatusCode != 200 || ld.cfg.Body != "" && string(body) != ld.cfg.Body:
		ld.fail(errors.New(resp.Status + ": " + strings.TrimSpace(string(body[:min(len(body), 80)]))))
	default:
		ld.OK.Add(1)
		if resp.Close {
			ld.Closing.Add(1)
		}
	}
	return true
}

func (ld *Load) fail(err error) {
	ld.Failed.Add(1)
	ld.mu.Lock()
	if ld.first == nil {
		ld.first = err
	}
	ld.mu.Unlock()
}

// First is the first failure, nil if none.
func (ld *Load) First() error {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.first
}

// WaitServed waits, up to thirty seconds, until n requests were answered.
func (ld *Load) WaitServed(t testing.TB, n int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ld.OK.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests answered in thirty seconds, want %d (%d failed; the first: %v)", ld.OK.Load(), n, ld.Failed.Load(), ld.First())
		}
	}
}

// Wait waits until every caller ended by itself (RefusedEnds) or the
// limit passed.
func (ld *Load) Wait() { ld.wg.Wait() }

// Stop ends the callers and waits for them.
func (ld *Load) Stop() {
	ld.cancel()
	ld.wg.Wait()
	ld.tr.CloseIdleConnections()
}

// String sums the load up for a test's log.
func (ld *Load) String() string {
	return fmt.Sprintf("%d answered (%d with Connection: close), %d callers refused, %d failed, %d resets",
		ld.OK.Load(), ld.Closing.Load(), ld.Refused.Load(), ld.Failed.Load(), ld.Resets.Load())
}

func (ld *Load) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &resetCountingConn{Conn: nc, resets: &ld.Resets}, nil
}

// resetCountingConn counts the resets a connection sees.
type resetCountingConn struct {
	net.Conn
	resets *atomic.Int64
}

func (c *resetCountingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.saw(err)
	return n, err
}

func (c *resetCountingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.saw(err)
	return n, err
}

func (c *resetCountingConn) saw(err error) {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		c.resets.Add(1)
	}
}
