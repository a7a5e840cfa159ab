package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"

	"holdfast/client"
)

// forward is one proxied request: the request sent upstream, rebuilt for
// each upstream tried, and what the Transport's trace hooks told of the
// current attempt. It is used by the request's goroutine only (the hooks
// run on it, inside RoundTrip), and pooled.
type forward struct {
	p     *Proxy
	in    *http.Request // the client's
	out   *http.Request // the upstream's
	url   url.URL       // out.URL
	body  *replayBody   // nil: no body
	tried []*upstream
	spare [4]*upstream // tried's first backing array

	trace    httptrace.ClientTrace // hooks bound to this forward, made once
	traceCtx context.Context       // holds trace; made once
	ctx      traceContext          // out's context

	// out is req, unless the caller traces too: a request whose context
	// is &ctx is made once (blank) and copied for each use, since a
	// request's context can be set only by a copy that allocates.
	req   http.Request
	blank http.Request // no field set but its context, &ctx

	// req's header, emptied and filled again for each use: the
	// Transport only reads it, and not after RoundTrip has returned.
	header     http.Header
	headerVals [2]string

	// The current attempt, as the hooks saw it.
	conns   int  // connections the Transport took (2: it retried on a new one)
	reused  bool // the last one had carried a request before
	sent    bool // a request head was written
	gotByte bool // a byte of the answer came
}

var forwardPool = sync.Pool{New: func() any {
	f := &forward{}
	f.trace = httptrace.ClientTrace{
		GotConn:              f.gotConn,
		WroteHeaders:         f.wroteHeaders,
		GotFirstResponseByte: f.gotFirstByte,
	}
	f.traceCtx = withTrace(&f.trace)
	f.blank = *new(http.Request).WithContext(&f.ctx)
	return f
}}

func (f *forward) gotConn(info httptrace.GotConnInfo) { f.conns++; f.reused = info.Reused }
func (f *forward) wroteHeaders()                      { f.sent = true }
func (f *forward) gotFirstByte()                      { f.gotByte = true }

// newForward builds the request sent upstream from the client's; its URL
// and Host are set for each upstream tried (aim).
func newForward(p *Proxy, r *http.Request) *forward {
	f := forwardPool.Get().(*forward)
	f.p, f.in = p, r
	f.tried = f.spare[:0]
	f.ctx = traceContext{parent: r.Context(), trace: f.traceCtx}
	out := &f.req
	*out = f.blank
	out.Method = r.Method
	out.URL = &f.url
	out.Proto, out.ProtoMajor, out.ProtoMinor = "HTTP/1.1", 1, 1
	if f.header == nil {
		f.header = make(http.Header, len(r.Header)+4)
	}
	out.Header = appendRequestHeader(f.header, r, f.headerVals[:])
	out.ContentLength = r.ContentLength
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength < 0 {
			out.Trailer = declaredTrailers(r.Header)
		}
		keep := p.cfg.replayBuffer
		if !idempotent(r) {
			keep = 0 // sent again only if nothing of it was read: nothing to keep
		}
		f.body = newReplayBody(r, keep, out.Trailer)
		out.Body, _ = f.body.reader()
		out.GetBody = f.body.reader
	}
	if p.cfg.PreserveHost {
		out.Host = r.Host
	}
	f.out = out
	if httptrace.ContextClientTrace(r.Context()) != nil {
		trace := f.trace // composed with the caller's: leave the pooled one alone
		f.out = out.WithContext(httptrace.WithClientTrace(r.Context(), &trace))
	}
	return f
}

func (f *forward) release() {
	clear(f.header)
	*f = forward{trace: f.trace, traceCtx: f.traceCtx, blank: f.blank, header: f.header}
	forwardPool.Put(f)
}

// aim points the request at upstream u: its host, its path before the
// client's.
func (f *forward) aim(u *upstream) {
	in := f.in.URL
	f.url = url.URL{Scheme: "http", Host: u.url.Host, Path: in.Path, RawPath: in.RawPath,
		RawQuery: in.RawQuery, ForceQuery: in.ForceQuery}
	if f.url.Path == "" {
		f.url.Path = "/"
	}
	if base := u.url.Path; base != "" && base != "/" && f.url.Path != "*" {
		f.url.Path = strings.TrimSuffix(base, "/") + f.url.Path
		if in.RawPath != "" {
			f.url.RawPath = strings.TrimSuffix(u.url.EscapedPath(), "/") + in.RawPath
		}
	}
}

// send tries upstreams until one answers, or the request may not be sent
// again. It returns the answer and its upstream (whose inFlight the
// caller ends), or the last failure and the upstream that failed (nil
// when none was healthy).
func (f *forward) send() (*http.Response, *upstream, error) {
	var last *upstream
	var lastErr error
	for attempt := 0; ; attempt++ {
		u := f.p.bal.pick(f.tried)
		if u == nil {
			if last == nil {
				return nil, nil, errNoHealthy
			}
			return nil, last, lastErr
		}
		if attempt > 0 {
			if !f.rewind() {
				return nil, last, lastErr
			}
			u.retries.Add(1)
		}
		f.tried = append(f.tried, u)
		f.aim(u)
		f.conns, f.reused, f.sent, f.gotByte = 0, false, false, false
		u.inFlight.Add(1)
		resp, err := u.tr.RoundTrip(f.out)
		if err == nil {
			u.connected()
			return resp, u, nil
		}
		u.inFlight.Add(-1)
		if isConnectFailure(err) && f.in.Context().Err() == nil {
			u.connectFailed()
		}
		last, lastErr = u, err
		if attempt >= f.p.cfg.retries || !f.mayRetry(err) {
			return nil, u, err
		}
	}
}

// rewind gives the request a fresh body for the next attempt.
func (f *forward) rewind() bool {
	if f.body == nil {
		return true
	}
	body, err := f.body.reader()
	if err != nil {
		return false
	}
	f.out.Body = body
	return true
}

// mayRetry says whether a request that failed with err may be sent again
// (RFC 9110 §9.2.2): never once the client has gone or the upstream was
// merely slow; always when nothing was sent; otherwise only an idempotent
// request with a replayable body, before any byte of the answer.
func (f *forward) mayRetry(err error) bool {
	switch {
	case f.in.Context().Err() != nil:
		return false
	case errors.Is(err, client.ErrResponseHeaderTimeout):
		return false
	case !f.sent:
		return true
	case f.gotByte || !idempotent(f.in):
		return false
	}
	return f.body == nil || f.body.replayable()
}

// idempotent is RFC 9110 §9.2.2's list, plus requests that carry an
// Idempotency-Key.
func idempotent(r *http.Request) bool {
	switch r.Method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	_, ok := r.Header["Idempotency-Key"]
	return ok
}

// isConnectFailure reports whether err is a failed connection attempt.
func isConnectFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
