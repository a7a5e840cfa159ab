package client

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/msghead"
)

// response builds the *http.Response from the parsed head and hands the
// connection to its body. A response without a body ends the exchange here.
func (c *persistConn) response(req *http.Request) (*http.Response, error) {
	h := &c.head
	raw := c.in.Unread()[:c.headLen]
	head := string(raw) // every string of the response is cut from this copy
	str := func(b []byte) string { return msghead.Substr(head, raw, b) }
	x := new(responseBlock)
	resp := &x.resp
	*resp = http.Response{
		Status:     statusText(h.Status, h.Reason, str),
		StatusCode: h.Status,
		Proto:      h.Version.String(),
		ProtoMajor: 1,
		ProtoMinor: int(h.Version - 10),
		Header:     msghead.Header(h.Fields, x.vals[:0], str, ""),
		Request:    req,
		TLS:        c.tlsState,
	}
	c.in.Consume(c.headLen)
	c.noteHints()
	framing := http1.ResponseFraming(req.Method, h)
	switch framing {
	case http1.NoBody:
		resp.Body = http.NoBody
		if req.Method == "HEAD" {
			resp.ContentLength = h.ContentLength
		}
	case http1.Length:
		resp.ContentLength = h.ContentLength
	case http1.Chunked:
		resp.ContentLength = -1
		resp.TransferEncoding = []string{"chunked"}
		c.chunk.Reset()
	case http1.UntilClose:
		resp.ContentLength = -1
		c.setKeep(CloseServer) // the server's close ends the body
	case http1.Tunnel:
		c.end(CloseProtocolError)
		return nil, fmt.Errorf("%w: %s response to %s", errTunnel, resp.Status, req.Method)
	}
	resp.Close = c.keep != reasonNone
	if framing == http1.NoBody {
		c.parser.Reset()
		c.end(reasonNone)
		return resp, nil
	}
	if framing == http1.Chunked {
		declareTrailers(resp)
	}
	x.body = respBody{c: c, conn: c, gen: c.ended, framing: framing, remaining: h.ContentLength, resp: resp}
	resp.Body = &x.body
	c.parser.Reset()
	return resp, nil
}

// responseBlock holds a response, its body and the values of a typical header
// in one allocation.
type responseBlock struct {
	resp http.Response
	body respBody
	vals [inlineFields]string
}

// inlineFields is how many header field values responseBlock holds; a larger
// header gets its own array.
const inlineFields = 8

// declareTrailers lists the trailers a response announces, with nil
// values until the body has been read, as net/http does.
func declareTrailers(resp *http.Response) {
	vs := resp.Header["Trailer"]
	if len(vs) == 0 {
		return
	}
	resp.Trailer = make(http.Header)
	for _, v := range vs {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				resp.Trailer[http.CanonicalHeaderKey(k)] = nil
			}
		}
	}
}

// statusLines holds "200 OK" and the like for the registered codes, so
// that a response with the usual reason phrase costs no allocation here.
var statusLines = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		if r := http1.StatusText(code); r != "" {
			t[code] = strconv.Itoa(code) + " " + r
		}
	}
	return t
}()

func statusText(code int, reason []byte, str func([]byte) string) string {
	if code < len(statusLines) {
		if s := statusLines[code]; s != "" && len(s) == len(reason)+4 && s[4:] == string(reason) {
			return s
		}
	}
	return strconv.Itoa(code) + " " + str(reason)
}

// respBody is a response body streaming from its connection. Reading it to the
// end gives the connection back to the pool; closing it early drains what is
// left, up to DrainLimit, or closes the connection.
type respBody struct {
	conn *persistConn // the connection, to interrupt a blocked Read; immutable
	gen  uint64       // conn.ended of this exchange; immutable

	mu        sync.Mutex
	closing   atomic.Bool  // Close interrupts a Read
	c         *persistConn // guarded by mu; nil once the exchange ended
	framing   http1.Framing
	remaining int64 // Length: bytes left
	resp      *http.Response
	closed    bool  // Close was called
	err       error // sticky: io.EOF or the failure
}

// Read implements io.Reader.
func (b *respBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, ErrBodyReadAfterClose
	case b.err != nil:
		return 0, b.err
	case len(p) == 0:
		return 0, nil
	}
	var n int
	var err error
	switch b.framing {
	case http1.Length:
		n, err = b.readLength(p)
	case http1.Chunked:
		n, err = b.readChunked(p)
	default:
		n, err = b.readUntilClose(p)
	}
	if err != nil {
		if err != io.EOF && b.closing.Load() {
			err = ErrBodyReadAfterClose
		}
		b.finish(err)
		err = b.err
	}
	return n, err
}

// readLength reads a Content-Length body; it returns io.EOF with the last
// bytes, so that the connection is back in the pool before the caller
// calls again.
func (b *respBody) readLength(p []byte) (int, error) {
	c := b.c
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	var n int
	if c.in.Len() > 0 {
		n = copy(p, c.in.Unread())
		c.in.Consume(n)
	} else if len(p) >= len(c.in.Buf) {
		// A large read goes straight to the caller's buffer.
		var err error
		n, err = c.nc.Read(p)
		if n == 0 {
			return 0, unexpectedEOF(err)
		}
	} else {
		if err := c.fill(len(c.in.Buf)); err != nil {
			return 0, unexpectedEOF(err)
		}
		n = copy(p, c.in.Unread())
		c.in.Consume(n)
	}
	b.remaining -= int64(n)
	if b.remaining == 0 {
		return n, io.EOF
	}
	return n, nil
}

// readChunked decodes the chunked coding; like readLength it reports
// io.EOF as early as the buffered bytes show the end.
func (b *respBody) readChunked(p []byte) (int, error) {
	c := b.c
	for {
		payload, k, err := c.chunk.DecodeMax(c.in.Unread(), len(p))
		c.in.Consume(k)
		if err != nil {
			return 0, err
		}
		if len(payload) > 0 {
			n := copy(p, payload)
			// Consume the framing that follows, to see the end early.
			_, k, _ = c.chunk.DecodeMax(c.in.Unread(), 0)
			c.in.Consume(k)
			if c.chunk.Done() {
				return n, io.EOF
			}
			return n, nil
		}
		if c.chunk.Done() {
			return 0, io.EOF
		}
		if err := c.fill(len(c.in.Buf)); err != nil {
			return 0, unexpectedEOF(err)
		}
	}
}

// readUntilClose reads a body that the server's close ends.
func (b *respBody) readUntilClose(p []byte) (int, error) {
	c := b.c
	if c.in.Len() > 0 {
		n := copy(p, c.in.Unread())
		c.in.Consume(n)
		return n, nil
	}
	n, err := c.nc.Read(p)
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, err
}

func unexpectedEOF(err error) error {
	if err == io.EOF || err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// finish ends the exchange after the body's last byte (err is io.EOF) or a
// failure, and makes err sticky.
func (b *respBody) finish(err error) {
	c := b.c
	b.c = nil
	if err == io.EOF {
		if b.framing == http1.Chunked {
			b.setTrailers(c)
		}
		reason := reasonNone
		if b.framing == http1.UntilClose {
			reason = CloseServer
		}
		c.end(reason)
		b.err = io.EOF
		return
	}
	switch {
	case c.canceled.Load():
		err = c.ctx.Err()
	case err == ErrBodyReadAfterClose:
	default:
		err = fmt.Errorf("holdfast/client: reading response body: %w", err)
	}
	reason := classify(err, false)
	if c.canceled.Load() {
		reason = CloseCanceled
	}
	c.end(reason)
	b.err = err
}

// setTrailers fills the response's Trailer map from the decoded trailers.
func (b *respBody) setTrailers(c *persistConn) {
	fields := c.chunk.Trailers()
	if len(fields) == 0 {
		return
	}
	if b.resp.Trailer == nil {
		b.resp.Trailer = make(http.Header, len(fields))
	}
	for _, f := range fields {
		k := http1.CanonicalFieldName(f.Name)
		b.resp.Trailer[k] = append(b.resp.Trailer[k], string(f.Value))
	}
}

// Close implements io.Closer. A Read in progress is interrupted.
func (b *respBody) Close() error {
	if !b.mu.TryLock() {
		// A Read is blocked on the socket: fail it, then take over.
		b.closing.Store(true)
		b.conn.interrupt(b.gen)
		b.mu.Lock()
	}
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if b.c == nil {
		return nil
	}
	c := b.c
	if b.drain() {
		return nil
	}
	b.c = nil
	c.end(CloseUnreadBody)
	return nil
}

// drain discards the rest of the body, within DrainLimit bytes and
// drainTimeout, and reports whether it reached the end (the exchange then
// ended cleanly).
func (b *respBody) drain() bool {
	c := b.c
	limit := c.h.t.cfg.drainLimit
	if c.canceled.Load() || b.framing == http1.UntilClose || limit <= 0 ||
		b.framing == http1.Length && b.remaining > limit {
		return false
	}
	c.nc.SetReadDeadline(time.Now().Add(drainTimeout))
	for read := int64(0); read <= limit; {
		k, done, err := b.skipBuffered()
		switch {
		case err != nil:
			return false
		case done:
			c.nc.SetReadDeadline(time.Time{})
			b.finish(io.EOF)
			return true
		}
		read += k
		if k == 0 {
			if err := c.fill(len(c.in.Buf)); err != nil {
				return false
			}
		}
	}
	return false
}

// skipBuffered discards the body bytes in the read buffer and reports how
// many, and whether the body ended.
func (b *respBody) skipBuffered() (int64, bool, error) {
	c := b.c
	if b.framing == http1.Length {
		k := min(int64(c.in.Len()), b.remaining)
		c.in.Consume(int(k))
		b.remaining -= k
		return k, b.remaining == 0, nil
	}
	payload, k, err := c.chunk.DecodeMax(c.in.Unread(), len(c.in.Buf))
	c.in.Consume(k)
	if err != nil {
		return 0, false, err
	}
	if c.chunk.Done() {
		return 0, true, nil
	}
	if k > 0 && len(payload) == 0 {
		return 1, false, nil // framing only: not a read, but progress
	}
	return int64(len(payload)), false, nil
}
