package holdfast

import (
	"io"
	"sync"
)

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

// readFrom reads once from r into the free space.
func (in *inbuf) readFrom(r func([]byte) (int, error), limit int) (int, error) {
	if !in.ensure(limit) {
		return 0, errBufferFull
	}
	n, err := r(in.space())
	in.commit(n)
	return n, err
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
