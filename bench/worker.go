package bench

import (
	"crypto/tls"
	"net"
	"runtime"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"holdfast/internal/rawclient"
)

// worker drives one connection at a time, from connect to close, then the
// next. Everything is owned by its goroutine except the fields marked
// atomic, which the reporter and the stopper read while it runs.
type worker struct {
	id     int
	p      *plan
	r      *runner
	dialer net.Dialer

	conn net.Conn                 // the socket, or TLS over it
	live atomic.Pointer[liveConn] // atomic: conn, for the stopper

	in        rawclient.Reader // conn's responses
	fin       [1]byte          // endConn reads into it, waiting for the server's FIN
	deadline  time.Time        // the socket's current deadline
	sent      time.Time        // when the current batch was written
	lastRead  time.Time        // when the latest read returned data
	gotFirst  bool             // a byte of the current batch's answer has arrived
	serverEnd bool             // the last response said the server closes
	lastErr   error            // the latest failure, for a run that fails outright

	// Progress counters, read by the reporter.
	requests atomic.Int64
	bytes    atomic.Int64
	failures atomic.Int64

	st workerStats
}

// liveConn holds the worker's connection for the stopper.
type liveConn struct{ net.Conn }

// workerStats is owned by the worker; the runner reads it after the worker
// has exited.
type workerStats struct {
	latency, connect, handshake, firstByte *hdrhistogram.Histogram
	status                                 [600]int64
	errs                                   [numKinds]int64
	opened, resumed                        int64 // connections, and TLS sessions resumed
	connectNs, handshakeNs, requestNs      int64 // sums, for the share of time spent connecting
}

func newWorker(id int, p *plan, r *runner, sigfigs int) *worker {
	w := &worker{id: id, p: p, r: r}
	w.dialer = net.Dialer{Timeout: p.Timeout, KeepAlive: -1}
	w.in.OnRead = w.received
	// Connect times are secondary: two significant digits (1 %) keep
	// their histograms an eighth of the size, which matters with many
	// connections. First-byte times keep the latency's precision, so
	// that rounding never shows a first byte later than the last.
	w.st.latency = newHistogram(sigfigs)
	w.st.connect = newHistogram(secondaryFigures)
	w.st.handshake = newHistogram(secondaryFigures)
	w.st.firstByte = newHistogram(sigfigs)
	return w
}

// secondaryFigures is the precision of the connect times.
const secondaryFigures = 2

// Histogram range: 1 µs to 100 s in microseconds. Values above are
// recorded as the maximum rather than dropped, so counts stay exact.
const histMax = 100_000_000

func newHistogram(sigfigs int) *hdrhistogram.Histogram {
	return hdrhistogram.New(1, histMax, sigfigs)
}

func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := d.Microseconds()
	h.RecordValue(min(max(us, 1), histMax))
}

// run sends requests until the runner stops it or no request is left.
func (w *worker) run() {
	defer w.closeConn()
	if w.p.Rate > 0 {
		w.runPaced()
		return
	}
	for !w.r.stopped() {
		n := w.r.claim(w.p.Pipeline)
		if n == 0 {
			return
		}
		w.exchange(n, time.Time{})
	}
}

// runPaced sends one request per interval, each with an intended send
// time: when the server falls behind, the next requests leave late and
// their latency includes the wait.
func (w *worker) runPaced() {
	interval := time.Duration(float64(w.p.Connections) / w.p.Rate * float64(time.Second))
	// Stagger the workers across one interval so the arrivals are even.
	next := w.r.start.Add(interval * time.Duration(w.id) / time.Duration(w.p.Connections))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for !w.r.stopped() {
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
			select {
			case <-w.r.stopCh:
				return
			case <-timer.C:
			}
		}
		if w.r.claim(1) == 0 {
			return
		}
		w.exchange(1, next)
		next = next.Add(interval)
	}
}

// exchange sends n requests in one write and reads their n responses.
// Latency runs from intended when set (paced runs), else from the write.
// Requests behind a response that closed the connection were not served
// (a server that says it closes processes nothing after, RFC 9112 §9.6):
// they are sent again, on a new connection.
func (w *worker) exchange(n int, intended time.Time) {
	for n > 0 && !w.r.stopped() {
		n = w.exchangeOnce(n, intended)
	}
}

// exchangeOnce is exchange on one connection; it returns the count of
// requests to send again.
func (w *worker) exchangeOnce(n int, intended time.Time) (unserved int) {
	if w.conn == nil && !w.connect(n) {
		return 0
	}
	start := time.Now()
	if intended.IsZero() {
		intended = start
	}
	if err := w.send(n, start); err != nil {
		w.fail(err, n)
		return 0
	}
	// The answer cannot be there yet: a read now would fail with EAGAIN
	// and cost a system call before parking. Letting the other
	// connections run first usually finds it arrived.
	runtime.Gosched()
	for i := range n {
		keep, err := w.readResponse()
		if err != nil {
			w.fail(err, n-i)
			return 0
		}
		w.answered(intended)
		if !keep {
			w.endConn()
			return n - i - 1
		}
	}
	return 0
}

func (w *worker) connect(n int) bool {
	t0 := time.Now()
	c, err := w.dialer.Dial("tcp", w.p.addr)
	if err != nil {
		if !w.r.stopped() {
			w.count(connectKind(err), n, err)
			w.pause()
		}
		return false
	}
	d := time.Since(t0)
	record(w.st.connect, d)
	w.st.connectNs += int64(d)
	w.st.opened++
	w.conn = c
	w.live.Store(&liveConn{c})
	w.deadline = time.Time{}
	if w.p.tls != nil && !w.handshake(n) {
		return false
	}
	w.in.Reset(w.conn)
	return true
}

// handshake runs TLS over the new connection, timed apart from the TCP
// connect and the first byte.
func (w *worker) handshake(n int) bool {
	t0 := time.Now()
	tc := tls.Client(w.conn, w.p.tls)
	w.deadline = t0.Add(w.p.Timeout)
	tc.SetDeadline(w.deadline)
	if err := tc.Handshake(); err != nil {
		w.closeConn()
		if !w.r.stopped() {
			w.count(TLSError, n, err)
			w.pause()
		}
		return false
	}
	d := time.Since(t0)
	record(w.st.handshake, d)
	w.st.handshakeNs += int64(d)
	if tc.ConnectionState().DidResume {
		w.st.resumed++
	}
	w.conn = tc
	w.live.Store(&liveConn{tc})
	return true
}

// connectBackoff is the pause after a failed connect, so that a server
// that went away is not hammered by every connection at full speed.
const connectBackoff = 10 * time.Millisecond

func (w *worker) pause() {
	t := time.NewTimer(connectBackoff)
	defer t.Stop()
	select {
	case <-w.r.stopCh:
	case <-t.C:
	}
}

// send writes the batch under a deadline. The deadline is moved only when
// less than three quarters of the timeout is left, so a busy connection
// does not reset its timer on every request: a request then times out
// after between 3/4 and all of Timeout.
func (w *worker) send(n int, now time.Time) error {
	if w.deadline.Sub(now) < w.p.Timeout*3/4 {
		w.deadline = now.Add(w.p.Timeout)
		w.conn.SetDeadline(w.deadline)
		if w.r.stopped() { // the stopper may have set its deadline just before
			return errStopped
		}
	}
	w.sent, w.gotFirst = now, false
	_, err := w.conn.Write(w.p.batch[:n*len(w.p.req)])
	return err
}

// answered accounts for one complete response.
func (w *worker) answered(intended time.Time) {
	d := w.lastRead.Sub(intended) // the response ended with the read that completed it
	record(w.st.latency, d)
	w.st.requestNs += int64(d)
	if s := w.in.Response().Status; s < len(w.st.status) {
		w.st.status[s]++
	}
	w.requests.Add(1)
}

// fail accounts for n requests lost to err and drops the connection. An
// error caused by the end of the run is not the server's and not counted.
func (w *worker) fail(err error, n int) {
	w.closeConn()
	if w.r.stopped() {
		return
	}
	w.count(requestKind(err), n, err)
}

// count accounts for n requests lost to err, of kind k. Every count has
// its error, so that a report never shows a failure without a message.
func (w *worker) count(k ErrorKind, n int, err error) {
	w.st.errs[k] += int64(n)
	w.failures.Add(int64(n))
	w.lastErr = err
}

// endConn closes a connection after its last response. When the server
// said it closes, its FIN is awaited first, so that the server, not this
// client, holds the TIME_WAIT state: a client that closes first runs out
// of ephemeral ports in a few seconds of short connections.
func (w *worker) endConn() {
	if w.serverEnd && w.in.Buffered() == 0 {
		w.conn.Read(w.fin[:])
	}
	w.closeConn()
}

func (w *worker) closeConn() {
	if w.conn == nil {
		return
	}
	w.live.Store(nil)
	w.conn.Close()
	w.conn = nil
}
