package client

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/http1"
)

// bodyWriter says how a request's body goes out.
type bodyWriter struct {
	body   io.ReadCloser // nil: no body
	length int64         // bytes to send; -1: chunked
	expect bool          // held back until a 100 (or the timeout)
}

// bodyReadError is an error from the request's own Body: the request is
// broken, not the connection's peer.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string {
	return "holdfast/client: reading request body: " + e.err.Error()
}
func (e *bodyReadError) Unwrap() error { return e.err }

// invalidRequestError is a request that cannot be written; the connection is
// untouched.
type invalidRequestError struct{ msg string }

func (e *invalidRequestError) Error() string { return "holdfast/client: invalid request: " + e.msg }

// writeRequest writes the request head and, unless it waits for a 100, the
// body. A body that fits the write buffer leaves with the head, in one
// system call.
func (c *persistConn) writeRequest(req *http.Request) (bodyWriter, error) {
	w := bodyWriter{body: req.Body, length: req.ContentLength}
	switch {
	case w.body == http.NoBody || w.body == nil:
		w.body, w.length = nil, 0
	case len(req.TransferEncoding) > 0 && req.TransferEncoding[0] == "chunked", w.length <= 0:
		w.length = -1 // for client requests 0 with a Body means unknown
	}
	b, err := c.appendHead(c.wbuf[:0], req, &w)
	if err != nil {
		return w, err
	}
	if c.trace != nil && c.trace.WroteHeaders != nil {
		c.trace.WroteHeaders()
	}
	c.wbuf = b
	if w.expect {
		err := c.flush()
		c.markWritten()
		return w, err
	}
	err = c.writeBody(req, w)
	c.wroteRequest(err)
	return w, err
}

// wroteRequest notes the end of the request and fires WroteRequest, then
// GotFirstResponseByte if the answer's first bytes came with the write.
func (c *persistConn) wroteRequest(err error) {
	c.markWritten()
	c.holdFirstByte = false
	if c.trace == nil {
		return
	}
	if c.trace.WroteRequest != nil {
		c.trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
	if c.heldFirstByte {
		c.heldFirstByte = false
		c.trace.GotFirstResponseByte()
	}
}

// markWritten notes when the request left, for the round trip measured at
// its first response byte, on the exchanges that measure it (timeRTT).
// The first mark counts: the write-and-wait path marks before it writes.
func (c *persistConn) markWritten() {
	if c.timeRTT && c.wroteAt.IsZero() {
		c.wroteAt = time.Now()
	}
}

// flush writes out c.wbuf.
func (c *persistConn) flush() error {
	err := c.write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// appendHead appends the request head: request line, Host, the caller's
// fields (validated: a CR or LF in a value would split the head), and the
// framing and connection fields the Transport owns.
func (c *persistConn) appendHead(b []byte, req *http.Request, w *bodyWriter) ([]byte, error) {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	if !http1.ValidFieldName(method) {
		return b, &invalidRequestError{fmt.Sprintf("method %q", method)}
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !validTarget(host) {
		return b, &invalidRequestError{fmt.Sprintf("host %q", host)}
	}
	b = append(b, method...)
	b = append(b, ' ')
	b, err := c.appendRequestTarget(b, req)
	if err != nil {
		return b, err
	}
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	tr := c.trace
	if tr != nil && tr.WroteHeaderField != nil {
		tr.WroteHeaderField("Host", []string{host})
	} else {
		tr = nil
	}
	var ua, closeTok bool
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue // owned by the Transport
		case "User-Agent":
			ua = true
		case "Connection":
			closeTok = closeTok || hasToken(vs, "close")
		case "Expect":
			w.expect = w.body != nil && hasToken(vs, "100-continue")
		}
		if !http1.ValidFieldName(k) {
			return b, &invalidRequestError{fmt.Sprintf("header field name %q", k)}
		}
		for _, v := range vs {
			if !http1.ValidFieldValue(v) {
				return b, &invalidRequestError{fmt.Sprintf("value of header field %q", k)}
			}
			if k == "User-Agent" && v == "" {
				continue
			}
			b = http1.AppendField(b, k, v)
		}
		if tr != nil {
			tr.WroteHeaderField(k, vs)
		}
	}
	if !ua {
		b = append(b, "User-Agent: holdfast\r\n"...)
	}
	if u := req.URL.User; u != nil && req.Header["Authorization"] == nil {
		// As net/http does for http://user:pass@host/ URLs.
		pass, _ := u.Password()
		b = append(b, "Authorization: Basic "...)
		b = base64.StdEncoding.AppendEncode(b, []byte(u.Username()+":"+pass))
		b = append(b, "\r\n"...)
	}
	b = c.appendProxyAuthorization(b, req)
	b = c.appendConnection(b, req, closeTok)
	b = appendFraming(b, method, req, w)
	return append(b, "\r\n"...), nil
}

// proxied reports whether requests go to a proxy as they are (http://
// through a proxy): then in absolute form and with the proxy's
// credentials.
func (c *persistConn) proxied() bool { return c.h.proxy != nil && c.h.key.scheme == "http" }

// appendRequestTarget appends the request target: the origin form, or the
// absolute form a proxy is sent (RFC 9112 §3.2.2).
func (c *persistConn) appendRequestTarget(b []byte, req *http.Request) ([]byte, error) {
	if c.proxied() {
		b = append(b, "http://"...)
		b = append(b, req.URL.Host...)
	}
	return appendTarget(b, req.URL)
}

// appendProxyAuthorization gives a proxied request the proxy URL's
// credentials, unless the caller set its own.
func (c *persistConn) appendProxyAuthorization(b []byte, req *http.Request) []byte {
	auth := proxyAuthorization(c.h.proxy)
	if !c.proxied() || auth == "" || req.Header["Proxy-Authorization"] != nil {
		return b
	}
	b = append(b, "Proxy-Authorization: "...)
	b = append(b, auth...)
	return append(b, "\r\n"...)
}

// appendConnection asks for the close when the caller or the Transport
// wants one, and notes that the connection will not be reused.
func (c *persistConn) appendConnection(b []byte, req *http.Request, closeTok bool) []byte {
	switch {
	case closeTok:
		c.setKeep(CloseClient)
		return b
	case req.Close:
		c.setKeep(CloseClient)
	case c.h.t.cfg.keepAlivesOff:
		c.setKeep(CloseKeepAliveOff)
	default:
		return b
	}
	return append(b, "Connection: close\r\n"...)
}

// appendFraming appends Content-Length or Transfer-Encoding (and the
// Trailer declaration of a chunked body).
func appendFraming(b []byte, method string, req *http.Request, w *bodyWriter) []byte {
	switch {
	case w.body == nil:
		if method == "POST" || method == "PUT" || method == "PATCH" {
			b = append(b, "Content-Length: 0\r\n"...)
		}
	case w.length >= 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.length, 10)
		b = append(b, "\r\n"...)
	default:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
		if len(req.Trailer) > 0 {
			b = append(b, "Trailer: "...)
			first := true
			for k := range req.Trailer {
				if !first {
					b = append(b, ", "...)
				}
				b, first = append(b, k...), false
			}
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// appendTarget appends the origin-form request target of u.
func appendTarget(b []byte, u *url.URL) ([]byte, error) {
	if u.Opaque != "" {
		s := u.RequestURI()
		if !validTarget(s) {
			return b, &invalidRequestError{fmt.Sprintf("request target %q", s)}
		}
		return append(b, s...), nil
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !validTarget(p) {
		return b, &invalidRequestError{fmt.Sprintf("path %q", p)}
	}
	b = append(b, p...)
	if u.ForceQuery || u.RawQuery != "" {
		if u.RawQuery != "" && !validTarget(u.RawQuery) {
			return b, &invalidRequestError{fmt.Sprintf("query %q", u.RawQuery)}
		}
		b = append(b, '?')
		b = append(b, u.RawQuery...)
	}
	return b, nil
}

// validTarget reports whether s holds no controls, spaces or DEL: nothing
// that could end a request line or a field early.
func validTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return s != ""
}

// hasToken reports whether any of the values lists token.
func hasToken(vs []string, token string) bool {
	for _, v := range vs {
		if strings.Contains(v, ",") || len(v) != len(token) {
			if http1.HasToken([]byte(v), token) {
				return true
			}
			continue
		}
		if strings.EqualFold(v, token) {
			return true
		}
	}
	return false
}

// writeBody sends the request body after the head buffered in c.wbuf,
// and closes the body.
func (c *persistConn) writeBody(req *http.Request, w bodyWriter) error {
	if w.body == nil {
		return c.flushAwait()
	}
	defer w.body.Close()
	if w.length >= 0 {
		return c.writeLengthBody(w.body, w.length)
	}
	return c.writeChunkedBody(w.body, req.Trailer)
}

func (c *persistConn) writeLengthBody(body io.Reader, n int64) error {
	for n > 0 {
		if len(c.wbuf) == cap(c.wbuf) {
			if err := c.flush(); err != nil {
				return err
			}
			c.bodyStarted = true
		}
		space := c.wbuf[len(c.wbuf):cap(c.wbuf)]
		if int64(len(space)) > n {
			space = space[:n]
		}
		k, err := io.ReadFull(body, space)
		c.wbuf = c.wbuf[:len(c.wbuf)+k]
		n -= int64(k)
		if err != nil && n > 0 {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = ErrRequestBodyLength
			}
			return &bodyReadError{err}
		}
	}
	if !c.bodyStarted {
		return c.flushAwait() // the whole request in one write
	}
	return c.flush()
}

// chunkSize is the largest chunk of a chunked request body.
const chunkSize = 16 << 10

func (c *persistConn) writeChunkedBody(body io.Reader, trailer http.Header) error {
	if c.cbuf == nil {
		c.cbuf = make([]byte, chunkSize)
	}
	for {
		k, err := body.Read(c.cbuf)
		if k > 0 {
			c.wbuf = http1.AppendChunk(c.wbuf, c.cbuf[:k])
			if ferr := c.flush(); ferr != nil {
				return ferr
			}
			c.bodyStarted = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &bodyReadError{err}
		}
	}
	c.wbuf = append(c.wbuf, "0\r\n"...)
	for k, vs := range trailer {
		if !http1.ValidFieldName(k) {
			continue
		}
		for _, v := range vs {
			if http1.ValidFieldValue(v) {
				c.wbuf = http1.AppendField(c.wbuf, k, v)
			}
		}
	}
	c.wbuf = append(c.wbuf, "\r\n"...)
	return c.flush()
}
