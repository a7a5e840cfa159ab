package holdfast

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"

	"holdfast/internal/http1"
)

// The request cycle: what happens between a parsed head and the decision to
// keep or close. It is the same for every engine.

// serveParsed serves the request whose head, headLen bytes just parsed, is
// at the front of the input buffer, and reports whether the connection
// waits for another request. A client that closed its side while it was
// answered got its response and can send nothing more: the connection
// closes then.
func (c *conn) serveParsed(headLen int) bool {
	raw := c.ex.in.bytes()[:headLen]
	c.ex.in.consume(headLen)
	if !c.serveRequest(raw) {
		return false
	}
	if c.ex.peerGone != nil {
		c.setReason(classify(c.ex.peerGone, false))
		c.responded = true
		return false
	}
	return true
}

// serveRequest answers the request whose head (raw, parsed into c.ex.head)
// its engine just consumed from the input buffer, and reports whether the
// connection carries on. raw is copied before anything else reads the
// input buffer.
func (c *conn) serveRequest(raw []byte) bool {
	c.setState(StateHandling)
	c.nreq.Add(1)
	ex := c.ex
	var start time.Time
	if c.srv.AccessLog != nil {
		start = time.Now()
	}
	if status := c.precheck(); status != 0 {
		c.respondError(status, http.StatusText(status), CloseProtocolError)
		return false
	}
	w := newResponse(c)
	defer w.end()
	ex.rctx = &w.ctx
	req, err := newRequest(w, &ex.head, raw, c.remote)
	if err != nil {
		c.respondError(http.StatusBadRequest, err.Error(), CloseProtocolError)
		return false
	}
	if tw, ok := ex.wire.(tlsWire); ok {
		req.TLS = tw.tlsState()
	}
	w.req = req
	b := c.attachBody(req, w)
	if b == nil {
		c.ex.wire.watch(&w.ctx)
	} else {
		b.onEOF = func() { c.ex.wire.watch(&w.ctx) }
	}
	c.runHandler(w, req)
	if c.hijacked {
		return false
	}
	keep := c.completeResponse(w, b)
	c.ex.wire.unwatch()
	c.logAccess(req, w, start, keep)
	_, mono := c.ex.wire.clock()
	c.idleFrom.Store(mono)
	return keep
}

// precheck refuses, before any handler runs, what the head already shows
// cannot be served: an expectation other than 100-continue (417) and a
// declared body over the limit (413).
func (c *conn) precheck() int {
	h := &c.ex.head
	switch {
	case h.ExpectOther:
		return http.StatusExpectationFailed
	case c.srv.MaxBodyBytes > 0 && h.ContentLength > c.srv.MaxBodyBytes:
		return http.StatusRequestEntityTooLarge
	}
	return 0
}

// attachBody gives the request its body, or http.NoBody.
func (c *conn) attachBody(req *http.Request, w *response) *body {
	h := &c.ex.head
	if !h.Chunked && h.ContentLength <= 0 {
		req.Body = http.NoBody
		return nil
	}
	b := newBody(c, h, req)
	if h.Expect100 {
		b.onFirst = w.sendContinue
	}
	req.Body = b
	return b
}

// runHandler calls the handler, turning a panic into a 500 (when nothing
// was sent yet) and a closed connection, as net/http does.
func (c *conn) runHandler(w *response, req *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			c.handlerPanicked(w, req, v)
		}
	}()
	c.srv.handler().ServeHTTP(w, req)
}

func (c *conn) handlerPanicked(w *response, req *http.Request, v any) {
	if v != http.ErrAbortHandler {
		buf := make([]byte, 64<<10)
		buf = buf[:runtime.Stack(buf, false)]
		c.srv.logError("handler panic", "method", req.Method, "target", req.RequestURI, "remote", c.remote,
			"conn", c.id, "panic", fmt.Sprint(v), "stack", string(buf))
	}
	c.setReason(CloseHandlerPanic)
	if w.hijacked {
		return
	}
	if !w.headSent {
		// Nothing of this response is in the output buffer yet (earlier
		// pipelined responses may be, and are kept).
		w.done = true
		c.respondError(http.StatusInternalServerError, "", CloseHandlerPanic)
		return
	}
	w.done = true
	w.closeReason = CloseHandlerPanic
}

// completeResponse finishes the response, drains what the handler left of
// the body and decides whether the connection is kept.
func (c *conn) completeResponse(w *response, b *body) bool {
	var reason CloseReason
	switch {
	case w.done: // a panic was answered already
		reason = CloseHandlerPanic
	case c.bodyFailed(w):
		reason = c.reason
	default:
		w.finish()
		reason = w.closeReason
	}
	c.setState(StateWriting)
	if b != nil {
		// The response goes out before any drain: a client may wait for
		// it before sending the rest of its body.
		c.flush()
		limit := c.srv.pol().drainLimit
		if reason != reasonNone {
			limit = 0 // closing anyway
		}
		if !b.detach(limit, w.continueSent) && reason == reasonNone {
			reason = CloseUnreadBody
		}
	}
	if reason == reasonNone && c.ex.bodyBroken {
		reason = CloseReadError
	}
	if reason != reasonNone {
		c.setReason(reason)
		c.responded = true
		return false
	}
	return true
}

// bodyFailed answers a request whose body could not be read when the
// handler sent nothing itself: 400 for bad chunked framing, 408 for a
// stalled body, 413 for a body over the limit. It reports whether it did.
func (c *conn) bodyFailed(w *response) bool {
	ex := c.ex
	if w.headSent || w.wroteHeader {
		if ex.badBody != nil || ex.tooLarge {
			w.closeReason = CloseProtocolError
		}
		return false
	}
	var status int
	reason := CloseProtocolError
	switch {
	case ex.badBody != nil:
		status = http.StatusBadRequest
	case ex.tooLarge:
		status = http.StatusRequestEntityTooLarge
	case ex.bodyBroken && (c.reason == CloseBodyTimeout || c.reason == CloseSlowBody):
		status, reason = http.StatusRequestTimeout, c.reason
	default:
		return false
	}
	w.done = true
	c.respondError(status, http.StatusText(status), reason)
	return true
}

// respondError answers with a short plain-text error and marks the
// connection for closing.
func (c *conn) respondError(status int, msg string, reason CloseReason) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	body := strconv.Itoa(status) + " " + msg + "\n"
	b := http1.AppendStatusLine(c.ex.out, status)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	c.ex.out = append(b, body...)
	c.setReason(reason)
	c.responded = true
}

// rejectHead answers a head the parser refused, with the status the
// protocol error carries.
func (c *conn) rejectHead(err error) {
	var perr *http1.Error
	if !errors.As(err, &perr) {
		c.respondError(http.StatusBadRequest, err.Error(), CloseProtocolError)
		return
	}
	c.respondError(perr.Status, perr.Msg, CloseProtocolError)
}

func (c *conn) writeContinue() {
	c.ex.out = append(c.ex.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	c.flush()
}

// hijack hands the socket to the handler, with the bytes read ahead of
// the handler first in line on the returned reader.
func (c *conn) hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.ex.wire.unwatch()
	if err := c.flush(); err != nil {
		return nil, nil, err
	}
	nc, err := c.ex.wire.hijack()
	if err != nil {
		return nil, nil, err
	}
	c.hijacked = true
	c.setState(StateHijacked)
	var r io.Reader = nc
	if in := &c.ex.in; in.len() > 0 {
		r = io.MultiReader(bytes.NewReader(bytes.Clone(in.bytes())), nc)
	}
	c.ex.in.release()
	return nc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(nc)), nil
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
