package client

import (
	"fmt"
	"net/http"
	"time"
)

// canRetry says whether a request that failed on a reused connection
// before any response byte may be sent again, and if not, why.
func canRetry(req *http.Request, retried bool) (bool, string) {
	switch {
	case retried:
		return false, "it was already retried once"
	case !idempotent(req):
		return false, req.Method + " is not idempotent and has no Idempotency-Key"
	case req.Body != nil && req.Body != http.NoBody && req.GetBody == nil:
		return false, "its body cannot be replayed (no GetBody)"
	}
	return true, ""
}

func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	_, ok := req.Header["Idempotency-Key"]
	if !ok {
		_, ok = req.Header["X-Idempotency-Key"]
	}
	return ok
}

// rewindBody returns a copy of req with a fresh body from GetBody.
func rewindBody(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errReplayBody, err)
	}
	r := *req
	r.Body = body
	return &r, nil
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// reuseError is the error of a request that failed on a reused connection
// and was not retried.
type reuseError struct {
	method string
	why    string
	idle   time.Duration
	err    error
}

func (e *reuseError) Error() string {
	return fmt.Sprintf("%v: %s request not retried because %s (the connection had been idle %v): %v",
		ErrReusedConnClosed, e.method, e.why, e.idle.Round(time.Millisecond), e.err)
}

func (e *reuseError) Unwrap() []error { return []error{ErrReusedConnClosed, e.err} }
