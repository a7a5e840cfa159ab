package proxy

import (
	"errors"
	"io"
	"net/http"
	"os"
	"syscall"

	"holdfast"
	"holdfast/client"
	"holdfast/internal/http1"
)

// failed answers a request no upstream answered: 503 when none was
// healthy, 504 when the last one was too slow, 502 otherwise; and logs it
// with the upstream and whether its connection was a reused one.
func (p *Proxy) failed(w http.ResponseWriter, f *forward, u *upstream, err error) {
	switch {
	case f.body != nil && f.body.err != nil:
		p.clientBodyFailed(w, f, u, f.body.err)
		return
	case f.in.Context().Err() != nil:
		// The client went away (or the server is closing): nobody reads
		// the answer, and the upstream is not to blame.
		p.refuse(w, http.StatusBadGateway, "the client went away")
		return
	}
	status, cause := explain(err)
	switch {
	case u == nil:
	case status == http.StatusGatewayTimeout:
		u.timeouts.Add(1)
	default:
		u.badGateway.Add(1)
	}
	if u == nil {
		p.cfg.log.Error("proxy: no healthy upstream", "method", f.in.Method, "target", f.in.URL.RequestURI(), "status", status)
	} else {
		p.cfg.log.Error("proxy: request failed", "method", f.in.Method, "target", f.in.URL.RequestURI(), "status", status,
			"upstream", u.name, "reused", f.reused, "attempts", len(f.tried), "cause", cause, "err", err)
	}
	p.refuse(w, status, cause)
}

// clientBodyFailed answers a request whose own body failed on its way
// upstream: bad chunked framing (400), over the server's size limit (413),
// stalled (408). The upstream is not to blame.
func (p *Proxy) clientBodyFailed(w http.ResponseWriter, f *forward, u *upstream, err error) {
	status, cause := http.StatusBadRequest, "the request body is malformed or broke off"
	var tooLarge *http.MaxBytesError
	var timeout interface{ Timeout() bool }
	switch {
	case errors.Is(err, holdfast.ErrBodyTooLarge), errors.As(err, &tooLarge):
		status, cause = http.StatusRequestEntityTooLarge, "the request body is too large"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		status, cause = http.StatusRequestTimeout, "the request body stalled"
	}
	p.cfg.log.Info("proxy: request body failed", "method", f.in.Method, "target", f.in.URL.RequestURI(), "status", status,
		"upstream", u.name, "err", err)
	p.refuse(w, status, cause)
}

// refuse answers with status and a one-line body naming the cause.
func (p *Proxy) refuse(w http.ResponseWriter, status int, cause string) {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	if status == http.StatusMethodNotAllowed {
		h["Allow"] = []string{"GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE"}
	}
	w.WriteHeader(status)
	io.WriteString(w, http.StatusText(status)+": "+cause+"\n")
}

// explain turns an upstream failure into the client's status and a cause
// a person can act on; the log line has the error itself.
func explain(err error) (int, string) {
	var reuse bool
	switch {
	case errors.Is(err, errNoHealthy):
		return http.StatusServiceUnavailable, "no healthy upstream"
	case errors.Is(err, client.ErrResponseHeaderTimeout):
		return http.StatusGatewayTimeout, "the upstream did not answer in time"
	case isConnectFailure(err):
		return http.StatusBadGateway, "cannot connect to the upstream: " + connectCause(err)
	case errors.Is(err, client.ErrReusedConnClosed):
		reuse = true
	}
	var cause string
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		cause = "the upstream reset the connection"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		cause = "the upstream closed the connection"
	case errors.Is(err, os.ErrDeadlineExceeded):
		cause = "the upstream timed out"
	case errors.As(err, new(*http1.Error)), errors.Is(err, client.ErrUpgradeUnsupported):
		cause = "the upstream sent a malformed response"
	default:
		cause = "the upstream failed"
	}
	if reuse {
		cause += " on a reused connection, and the request may not be sent again"
	}
	return http.StatusBadGateway, cause + " before answering"
}

// connectCause is why a connection attempt failed, in a few words.
func connectCause(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		return "timed out"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	}
	return "failed"
}
