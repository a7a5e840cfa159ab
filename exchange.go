package holdfast

import (
	"io"
	"net/http"
	"sync"
	"time"

	"holdfast/internal/http1"
)

// exchange is what a connection needs while it serves requests: buffers,
// parser state and per-request scratch. Both engines attach one when bytes
// of a request arrive and return it to the pool while the connection waits
// for more (a started head parks: parkedHead), so an idle or slow
// connection holds none. The goroutine engine keeps its exchange over TLS
// and where it has no raw access to the socket. Owned by whoever serves
// the connection.
type exchange struct {
	wire   wire // the engine's side of the socket
	in     inbuf
	out    []byte // response bytes not yet written
	parser http1.Parser
	head   http1.Request

	// Per-request scratch, reused so a request allocates less. None of it
	// is reachable by a handler after it returns.
	resp       respState   // the response writer's state
	respHeader http.Header // the response's header map, cleared per request
	pend       []byte      // the response's held-back body
	chunk      http1.ChunkedDecoder
	rctx       *reqContext // the request's context

	// For engines whose serving goroutine waits for readiness the loop
	// sees (epoll): signalled by the loop, bounded by timer.
	ready     chan struct{}
	timer     *time.Timer
	inlineSeq uint64 // the loop's inline run serving this exchange (epoll)
	offloaded bool   // the handler called Offload while inline (epoll): its loop counts it

	// Set while reading a request body (possibly on a handler's
	// goroutine; read by the serving goroutine after the body is detached).
	peerGone   error // the peer closed or failed while a handler ran
	tooLarge   bool  // the body passed Server.MaxBodyBytes
	badBody    error // the chunked framing was invalid
	bodyBroken bool  // reading the body failed: the framing is lost
	bodyStart  int64 // when the first body read began (monotonic ns; 0: none yet), for Policy.MinBodyRate
	bodyRead   int64 // body bytes read from the socket since
}

// outbufSize is the output buffer size: writes up to it are coalesced, so
// a small response leaves in one system call with its head, and pipelined
// responses leave together.
const outbufSize = 4 << 10

var exchangePool = sync.Pool{New: func() any {
	ex := &exchange{
		respHeader: make(http.Header),
		out:        make([]byte, 0, outbufSize),
		pend:       make([]byte, 0, pendingMax),
		ready:      make(chan struct{}, 1),
	}
	ex.head.Reset()
	return ex
}}

// attachExchange gives the connection an exchange for serving requests
// through w. The wire lives in the exchange rather than in the connection
// record: only a connection being served needs it, and an idle epoll
// connection is 16 bytes smaller for it.
func (c *conn) attachExchange(w wire) {
	if c.ex == nil {
		ex := exchangePool.Get().(*exchange)
		ex.parser.Limits = c.srv.limits
		ex.wire = w
		c.ex = ex
	}
}

// releaseExchange returns the exchange to the pool, with its buffers if
// they are of the usual size (grown ones are dropped).
func (c *conn) releaseExchange() {
	ex := c.ex
	if ex == nil {
		return
	}
	c.ex = nil
	ex.in.release()
	if cap(ex.out) > 4*outbufSize {
		ex.out = make([]byte, 0, outbufSize)
	}
	ex.out = ex.out[:0]
	ex.parser.Reset() // a connection may close in the middle of a head
	ex.rctx = nil
	ex.wire = nil
	ex.resp.c, ex.resp.req, ex.resp.trailers = nil, nil, nil // let them go while pooled
	if ex.timer != nil {
		ex.timer.Stop()
	}
	select {
	case <-ex.ready: // a stale wake-up
	default:
	}
	ex.tooLarge, ex.badBody, ex.bodyBroken, ex.peerGone = false, nil, false, nil
	if len(ex.respHeader) > 0 {
		clear(ex.respHeader)
	}
	exchangePool.Put(ex)
}

// inbufSize is the input buffer a connection starts with: a typical
// browser request head (500–1,500 bytes) fits with room for pipelining.
const inbufSize = 4 << 10

var inbufPool = sync.Pool{New: func() any { b := make([]byte, inbufSize); return &b }}

// inbuf is a connection's input buffer: bytes read from the socket but not
// yet consumed. A head longer than the buffer grows it up to the head limit.
type inbuf struct {
	b    []byte
	r, w int
	pool *[]byte // the pooled array b came from, if any
}

func (in *inbuf) len() int      { return in.w - in.r }
func (in *inbuf) bytes() []byte { return in.b[in.r:in.w] }
func (in *inbuf) consume(n int) { in.r += n; in.reset() }
func (in *inbuf) reset() {
	if in.r == in.w {
		in.r, in.w = 0, 0
	}
}
func (in *inbuf) space() []byte { return in.b[in.w:] }
func (in *inbuf) commit(n int)  { in.w += n }

// ensure makes room to read more: it takes a buffer from the pool, moves
// unconsumed bytes to the front, or grows the buffer up to limit bytes.
// It reports false when the buffer is full at limit.
func (in *inbuf) ensure(limit int) bool {
	if in.b == nil {
		in.pool = inbufPool.Get().(*[]byte)
		in.b = *in.pool
	}
	if in.w < len(in.b) {
		return true
	}
	if in.r > 0 {
		n := copy(in.b, in.b[in.r:in.w])
		in.r, in.w = 0, n
		return true
	}
	if len(in.b) >= limit {
		return false
	}
	nb := make([]byte, min(2*len(in.b), max(limit, inbufSize)))
	copy(nb, in.b[:in.w])
	in.releaseArray()
	in.b = nb
	return true
}

// append adds bytes read elsewhere (the epoll loop's shared buffer).
func (in *inbuf) append(p []byte) {
	for len(p) > 0 {
		in.ensure(in.w + len(p))
		n := copy(in.space(), p)
		in.commit(n)
		p = p[n:]
	}
}

// readFrom reads once from r into the free space.
func (in *inbuf) readFrom(r func([]byte) (int, error), limit int) (int, error) {
	if !in.ensure(limit) {
		return 0, errBufferFull
	}
	n, err := r(in.space())
	in.commit(n)
	return n, err
}

// take moves the unconsumed bytes out into an inbuf of their own, leaving
// in empty: a pooled array's bytes are copied into one of about their size
// (with room for a few more lines), an array of their own moves as it is.
func (in *inbuf) take() inbuf {
	if in.pool == nil && in.r == 0 {
		out := *in
		*in = inbuf{}
		return out
	}
	n := in.len()
	b := make([]byte, n+n/2+128)
	copy(b, in.bytes())
	in.release()
	return inbuf{b: b, w: n}
}

// release gives the array back to the pool; the connection is closing or
// hands its buffered bytes over.
func (in *inbuf) release() {
	in.releaseArray()
	in.b, in.r, in.w = nil, 0, 0
}

func (in *inbuf) releaseArray() {
	if in.pool != nil {
		inbufPool.Put(in.pool)
		in.pool = nil
	}
}

// shrink drops a buffer grown for a large head once it is empty, so a
// connection that once received a large head does not keep it while idle.
func (in *inbuf) shrink() {
	if in.len() == 0 && len(in.b) > inbufSize {
		in.b = nil
	}
}

var errBufferFull = io.ErrShortBuffer
