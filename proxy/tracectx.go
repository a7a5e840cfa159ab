package proxy

import (
	"context"
	"net/http/httptrace"
	"time"
)

// traceContext is the context of a request sent upstream: the client's
// request context, with the forward's trace hooks visible to the
// Transport. context.WithValue would hide the client context's AfterFunc
// method (holdfast's request contexts have one), and context.AfterFunc,
// which the Transport calls on every request, would then start a
// goroutine to follow the cancellation; this one passes AfterFunc on.
type traceContext struct {
	parent context.Context
	trace  context.Context // holds the trace only; made once per forward
}

// withTrace makes the trace half of a traceContext, once.
func withTrace(trace *httptrace.ClientTrace) context.Context {
	return httptrace.WithClientTrace(context.Background(), trace)
}

func (c *traceContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *traceContext) Done() <-chan struct{}       { return c.parent.Done() }
func (c *traceContext) Err() error                  { return c.parent.Err() }

func (c *traceContext) Value(key any) any {
	if v := c.trace.Value(key); v != nil {
		return v
	}
	return c.parent.Value(key)
}

// AfterFunc is what context.AfterFunc looks for: the parent's own when it
// has one (no goroutine), else context.AfterFunc on the parent.
func (c *traceContext) AfterFunc(f func()) func() bool {
	if a, ok := c.parent.(interface{ AfterFunc(func()) func() bool }); ok {
		return a.AfterFunc(f)
	}
	return context.AfterFunc(c.parent, f)
}
