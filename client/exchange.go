package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"time"

	"holdfast/internal/http1"
)

// roundTrip runs one exchange on the connection: write the request, read
// the response head, and hand the body over. On error the connection is
// closed, and c.reuseFailed says whether the reuse race is the likely cause.
func (c *persistConn) roundTrip(req *http.Request, trace *httptrace.ClientTrace) (*http.Response, error) {
	c.begin(req.Context(), trace)
	if err := c.ctx.Err(); err != nil {
		closeRequestBody(req)
		c.end(CloseCanceled)
		return nil, err
	}
	w, err := c.writeRequest(req)
	if err != nil {
		var ir *invalidRequestError
		if errors.As(err, &ir) { // nothing was written: the connection is fine
			closeRequestBody(req)
			c.requests--
			c.keep = reasonNone
			c.end(reasonNone)
			return nil, err
		}
		if resp := c.salvage(req, err); resp != nil {
			return resp, nil
		}
		return nil, c.fail(err, true)
	}
	if err := c.awaitHead(req, &w); err != nil {
		if w.body != nil {
			w.body.Close() // held back for a 100 that never came
		}
		return nil, c.fail(err, false)
	}
	if c.head.Status == 408 && c.reused && c.head.Close {
		// A server that timed the idle connection out answered before our
		// request reached it; for a request that may be retried this is
		// the reuse race (the response is not about our request).
		if ok, _ := canRetry(req, false); ok {
			c.reuseFailed = true
			c.end(CloseStale)
			return nil, errReused408
		}
	}
	return c.response(req)
}

// salvageWait bounds the look for a response after a failed write.
const salvageWait = 250 * time.Millisecond

// salvage looks for a response after writing the request failed: a server
// that refuses a large upload (413) answers early and closes without
// reading the rest. If a final response head arrived, it is the answer.
func (c *persistConn) salvage(req *http.Request, werr error) *http.Response {
	var be *bodyReadError
	if c.canceled.Load() || errors.As(werr, &be) || c.reused && !c.gotByte && closedByPeer(werr) && c.in.Len() == 0 && !c.bodyStarted {
		return nil // nothing to find, or the reuse race: let RoundTrip decide
	}
	c.nc.SetReadDeadline(time.Now().Add(salvageWait))
	err := c.readHead()
	c.nc.SetReadDeadline(time.Time{})
	if err != nil || c.head.Status < 200 || http1.ResponseFraming(req.Method, &c.head) == http1.Tunnel {
		return nil
	}
	c.setKeep(CloseServer) // the request was not sent whole
	resp, err := c.response(req)
	if err != nil {
		return nil
	}
	return resp
}

// begin prepares the connection for one exchange.
func (c *persistConn) begin(ctx context.Context, trace *httptrace.ClientTrace) {
	c.ctx, c.trace = ctx, trace
	c.reused = c.requests > 0
	c.requests++
	c.gotByte, c.reuseFailed, c.keep, c.bodyStarted = false, false, reasonNone, false
	c.holdFirstByte, c.heldFirstByte, c.headArmed = false, false, false
	c.wroteAt, c.pending = time.Time{}, nil
	// The round trip matters only for a server's Keep-Alive timeout hint
	// (see hintMargin); reading the clock costs, so it is measured on the
	// first exchange and then only while the server gives hints.
	c.timeRTT = c.requests == 1 || c.hintTimeout >= 0
	c.stopCancel = watchContext(ctx, c.abortFn)
	if c.reused {
		c.h.t.stats.reuses.Add(1)
	}
}

// afterFuncer is a context that runs functions at its cancellation
// itself, the method context.AfterFunc looks for.
type afterFuncer interface {
	AfterFunc(func()) func() bool
}

// watchContext arranges for abort to run once ctx is cancelled and returns
// the function that stops it; nil when ctx cannot be cancelled. A context
// with its own AfterFunc method is asked directly: context.AfterFunc
// would wrap the call in a context of its own, two allocations more per
// exchange, and would make ctx's Done channel first.
func watchContext(ctx context.Context, abort func()) func() bool {
	if a, ok := ctx.(afterFuncer); ok {
		return a.AfterFunc(abort)
	}
	if ctx.Done() == nil {
		return nil
	}
	return context.AfterFunc(ctx, abort)
}

// fail ends an exchange that failed: it closes the connection and turns
// err into what RoundTrip returns.
func (c *persistConn) fail(err error, writing bool) error {
	if c.canceled.Load() {
		ctx := c.ctx
		c.end(CloseCanceled)
		return ctx.Err()
	}
	var be *bodyReadError
	isBody := errors.As(err, &be)
	if c.reused && !c.gotByte && !isBody && closedByPeer(err) {
		c.reuseFailed = true
	}
	reason := classify(err, writing)
	var te *headerTimeoutError
	switch {
	case errors.As(err, &te):
		reason = CloseResponseTimeout
	case isBody:
		reason = CloseWriteError // the request's framing is broken
	}
	c.end(reason)
	return err
}

// end finishes an exchange. reasonNone gives the connection back to the
// pool (if it may serve another request); any other reason closes it.
func (c *persistConn) end(reason CloseReason) {
	c.endMu.Lock()
	c.ended++
	c.endMu.Unlock()
	if c.stopCancel != nil && !c.stopCancel() {
		reason = CloseCanceled // the hook ran: nc is closed
	}
	c.stopCancel = nil
	trace := c.trace
	c.ctx, c.trace = nil, nil
	if reason != reasonNone {
		c.h.closeConn(c, reason)
		if trace != nil && trace.PutIdleConn != nil {
			trace.PutIdleConn(errNotPooled)
		}
		return
	}
	pooled := c.h.release(c)
	if trace != nil && trace.PutIdleConn != nil {
		if pooled {
			trace.PutIdleConn(nil)
		} else {
			trace.PutIdleConn(errNotPooled)
		}
	}
}

// awaitHead reads interim responses until the final response head is
// parsed, sending the request body on a 100 (or on the timeout) when the
// request expects 100-continue.
func (c *persistConn) awaitHead(req *http.Request, w *bodyWriter) error {
	cfg := &c.h.t.cfg
	waiting := w.expect
	if waiting {
		if c.trace != nil && c.trace.Wait100Continue != nil {
			c.trace.Wait100Continue()
		}
		c.nc.SetReadDeadline(time.Now().Add(cfg.continueWait))
	} else if cfg.headerTimeout > 0 && !c.headArmed {
		c.nc.SetReadDeadline(time.Now().Add(cfg.headerTimeout))
	}
	for interim := 0; ; interim++ {
		err := c.readHead()
		if waiting && errors.Is(err, os.ErrDeadlineExceeded) && !c.canceled.Load() {
			waiting = false // no 100 in time: send the body anyway
			if err = c.sendBody(req, w, cfg.headerTimeout); err == nil {
				continue
			}
		}
		if err != nil {
			if cfg.headerTimeout > 0 && !waiting && errors.Is(err, os.ErrDeadlineExceeded) && !c.canceled.Load() {
				return &headerTimeoutError{}
			}
			return fmt.Errorf("holdfast/client: reading response head: %w", err)
		}
		status := c.head.Status
		if status >= 200 {
			if w.expect || cfg.headerTimeout > 0 {
				c.nc.SetReadDeadline(time.Time{}) // not free: skipped when none was set
			}
			if waiting {
				// A final answer to the head alone: the body was never sent,
				// so what the server reads next is unknown. Close after.
				c.setKeep(CloseServer)
				w.body.Close()
				w.body = nil
			}
			return nil
		}
		if status == 101 {
			return ErrUpgradeUnsupported
		}
		if interim >= maxInterim {
			return fmt.Errorf("%w: more than %d", errTooManyInterim, maxInterim)
		}
		c.interim(status)
		if status == 100 && waiting {
			waiting = false
			if err := c.sendBody(req, w, cfg.headerTimeout); err != nil {
				return err
			}
		}
	}
}

// readHead reads until one response head is parsed into c.head.
func (c *persistConn) readHead() error {
	limit := c.h.t.cfg.maxHead + readBufSize
	for {
		if c.in.Len() > 0 {
			n, err := c.parser.ParseResponse(c.in.Unread(), &c.head)
			if err != nil {
				return err
			}
			if n > 0 {
				c.headLen = n
				return nil
			}
		}
		if err := c.fill(limit); err != nil {
			return err
		}
	}
}

// interim consumes a 1xx head and fires its hooks.
func (c *persistConn) interim(status int) {
	tr := c.trace
	if status == 100 && tr != nil && tr.Got100Continue != nil {
		tr.Got100Continue()
	}
	if tr != nil && tr.Got1xxResponse != nil && status != 100 {
		h := make(textproto.MIMEHeader, len(c.head.Fields))
		for _, f := range c.head.Fields {
			k := http1.CanonicalFieldName(f.Name)
			h[k] = append(h[k], string(f.Value))
		}
		tr.Got1xxResponse(status, h)
	}
	c.in.Consume(c.headLen)
	c.parser.Reset()
}

// sendBody writes the request body held back for 100-continue, and re-arms
// the response header timeout.
func (c *persistConn) sendBody(req *http.Request, w *bodyWriter, headerTimeout time.Duration) error {
	c.nc.SetReadDeadline(time.Time{})
	err := c.writeBody(req, *w)
	w.body = nil // closed by writeBody
	c.wroteRequest(err)
	if err != nil {
		return err
	}
	if headerTimeout > 0 {
		c.nc.SetReadDeadline(time.Now().Add(headerTimeout))
	}
	return nil
}

// headerTimeoutError is the response header timeout, with net.Error's Timeout.
type headerTimeoutError struct{}

func (*headerTimeoutError) Error() string   { return ErrResponseHeaderTimeout.Error() }
func (*headerTimeoutError) Timeout() bool   { return true }
func (*headerTimeoutError) Temporary() bool { return true }
func (*headerTimeoutError) Unwrap() error   { return ErrResponseHeaderTimeout }
