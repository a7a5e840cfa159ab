package holdfast

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"holdfast/internal/http1"
)

// body is a request body as the handler reads it, delimited by
// Content-Length or chunked coding, straight from the connection's input
// buffer. A handler may read it from another goroutine while it writes the
// response; mu serializes reads with the server's drain after the handler
// returns, after which any read fails (the body is detached).
type body struct {
	mu        sync.Mutex
	c         *conn         // guarded by mu; nil once detached
	req       *http.Request // receives trailers
	chunked   bool          // else Content-Length framing
	remaining int64         // Content-Length framing: bytes left
	read      int64         // payload bytes read so far
	limit     int64         // Server.MaxBodyBytes; 0 means none
	onFirst   func()        // sends 100 Continue before the first read
	onEOF     func()        // runs when the handler has read it all
	sawEOF    bool          // guarded by mu
	closed    bool          // the handler called Close
	err       error         // sticky error
}

var errBodyTimeout = errors.New("holdfast: request body timed out")

func newBody(c *conn, h *http1.Request, req *http.Request) *body {
	b := &body{c: c, req: req, chunked: h.Chunked, remaining: h.ContentLength, limit: c.srv.MaxBodyBytes}
	c.ex.bodyStart, c.ex.bodyRead = 0, 0
	if h.Chunked {
		c.ex.chunk.Reset()
	}
	return b
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.c == nil || b.closed:
		return 0, ErrBodyReadAfterClose
	case b.err != nil:
		return 0, b.err
	case b.sawEOF:
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	}
	if b.onFirst != nil {
		b.onFirst()
		b.onFirst = nil
	}
	n, err := b.readLocked(p)
	b.read += int64(n)
	if b.limit > 0 && b.read > b.limit {
		n, err = 0, ErrBodyTooLarge
		b.c.ex.tooLarge = true
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	if b.sawEOF && b.onEOF != nil {
		b.onEOF()
		b.onEOF = nil
	}
	return n, err
}

// Close marks the body closed; the server drains what is left after the
// handler returns, within Policy.DrainLimit.
func (b *body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// readLocked reads payload into p.
func (b *body) readLocked(p []byte) (int, error) {
	c := b.c
	if !b.chunked && c.ex.in.len() == 0 && len(p) >= inbufSize {
		// A large read with nothing buffered goes straight from the
		// socket into p: no copy through the input buffer.
		n, err := c.readBody(p[:min(int64(len(p)), b.remaining)])
		b.remaining -= int64(n)
		return n, b.eof(n, err)
	}
	chunk, err := b.next(len(p))
	n := copy(p, chunk)
	return n, err
}

func (b *body) eof(n int, err error) error {
	if err == nil && b.remaining == 0 {
		b.sawEOF = true
		return io.EOF
	}
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// next returns up to max bytes of payload from the input buffer, consuming
// them and reading from the socket when the buffer holds none. The bytes
// are valid until the next read into the buffer.
func (b *body) next(max int) ([]byte, error) {
	if b.chunked {
		return b.nextChunked(max)
	}
	c := b.c
	in := &c.ex.in
	for b.remaining > 0 && in.len() == 0 {
		if _, err := c.fillBody(); err != nil {
			return nil, b.eof(0, err)
		}
	}
	n := int(min(int64(max), b.remaining, int64(in.len())))
	chunk := in.bytes()[:n]
	in.consume(n)
	b.remaining -= int64(n)
	return chunk, b.eof(n, nil)
}

func (b *body) nextChunked(max int) ([]byte, error) {
	c := b.c
	ex := c.ex
	for {
		payload, n, err := ex.chunk.DecodeMax(ex.in.bytes(), max)
		ex.in.consume(n)
		switch {
		case err != nil:
			ex.badBody = err
			return nil, err
		case len(payload) > 0:
			return payload, nil
		case ex.chunk.Done():
			b.sawEOF = true
			b.setTrailers()
			return nil, io.EOF
		case n > 0:
			continue // framing consumed; decode on
		}
		if _, err := c.fillBody(); err != nil {
			return nil, b.eof(0, err)
		}
	}
}

// setTrailers copies the received trailer fields into the request, apart
// from those that must not be trailers (RFC 9110 §6.5.1).
func (b *body) setTrailers() {
	for _, f := range b.c.ex.chunk.Trailers() {
		name := http1.CanonicalFieldName(f.Name)
		switch name {
		case "Content-Length", "Transfer-Encoding", "Host", "Trailer", "Connection", "Content-Type":
			continue
		}
		if b.req.Trailer == nil {
			b.req.Trailer = make(http.Header)
		}
		b.req.Trailer.Add(name, string(f.Value))
	}
}

// detach ends the handler's access to the body and drains what it left
// unread, up to limit bytes. It reports whether the connection can carry
// another request afterwards.
func (b *body) detach(limit int64, continueSent bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	done := b.sawEOF || (!b.chunked && b.remaining == 0)
	if done || b.err != nil || b.c == nil || limit <= 0 {
		b.c = nil
		return done
	}
	if !continueSent && b.onFirst != nil {
		// The client is waiting for 100 Continue before it sends the
		// body, or sending it anyway after a timeout: neither can be
		// told apart from here, so the connection cannot be reused.
		b.c = nil
		return false
	}
	ok := b.drainLocked(limit)
	b.c = nil
	return ok
}

func (b *body) drainLocked(limit int64) bool {
	if !b.chunked && b.remaining > limit {
		return false // would cost more than a new connection
	}
	for drained := int64(0); drained <= limit; {
		chunk, err := b.next(64 << 10)
		drained += int64(len(chunk))
		if err == io.EOF {
			return drained <= limit
		}
		if err != nil {
			return false
		}
	}
	return false
}

// readBody reads body bytes straight from the socket, under the body
// timeout and Policy.MinBodyRate.
func (c *conn) readBody(p []byte) (int, error) {
	prev := c.getState()
	c.setState(StateReadingBody)
	defer c.setState(prev)
	ex := c.ex
	if ex.bodyStart == 0 {
		ex.bodyStart = monotime()
	}
	if c.bodyLate(monotime()) {
		return 0, c.bodyReadFailed(os.ErrDeadlineExceeded)
	}
	n, err := ex.wire.readBody(p)
	c.countIn(n)
	ex.bodyRead += int64(n)
	if err == nil && c.bodyLate(monotime()) {
		err = os.ErrDeadlineExceeded
	}
	if err != nil {
		err = c.bodyReadFailed(err)
	}
	return n, err
}

// bodyReadFailed records why reading the body failed: the framing is lost.
func (c *conn) bodyReadFailed(err error) error {
	if isTimeout(err) && c.bodyLate(monotime()) {
		c.setReason(CloseSlowBody)
	}
	c.setReason(classify(err, false))
	c.ex.bodyBroken = true
	if isTimeout(err) {
		err = errBodyTimeout
	}
	return err
}

// minBodyRateGrace is how long a body may take before Policy.MinBodyRate
// applies: the rate over a few bytes says nothing.
const minBodyRateGrace = time.Second

// bodyDue is when the body read so far must have arrived by, under
// Policy.MinBodyRate (monotonic ns; 0: no minimum).
func (c *conn) bodyDue() int64 {
	rate := c.srv.pol().minBodyRate
	if rate <= 0 {
		return 0
	}
	ex := c.ex
	return ex.bodyStart + int64(minBodyRateGrace) + int64(float64(ex.bodyRead)/float64(rate)*1e9)
}

// bodyLate reports whether, at now, the body is behind its minimum rate.
func (c *conn) bodyLate(now int64) bool {
	due := c.bodyDue()
	return due != 0 && now > due
}

// bodyWait is how long a wire may wait for body bytes: the body timeout,
// or less when the minimum rate needs bytes sooner (0: no limit).
func (c *conn) bodyWait() time.Duration {
	d := c.srv.pol().bodyTimeout
	due := c.bodyDue()
	if due == 0 {
		return d
	}
	left := max(time.Duration(due-monotime()), time.Millisecond)
	if d <= 0 || left < d {
		d = left
	}
	return d
}

// fillBody reads more body bytes into the input buffer.
func (c *conn) fillBody() (int, error) {
	in := &c.ex.in
	if !in.ensure(inbufSize) {
		return 0, errBufferFull
	}
	n, err := c.readBody(in.space())
	in.commit(n)
	return n, err
}
