package holdfast

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

// tbodyWriter says how a request's body goes out.
type tbodyWriter struct {
	body   io.ReadCloser // nil: no body
	length int64         // bytes to send; -1: chunked
	expect bool          // held back until a 100 (or the timeout)
}

// tbodyReadError is an error from the request's own Body: the request is
// broken, not the connection's peer.
type tbodyReadError struct{ err error }

func (e *tbodyReadError) Error() string { return "holdfast: reading request body: " + e.err.Error() }
func (e *tbodyReadError) Unwrap() error { return e.err }

// tinvalidRequest is a request that cannot be written; the connection is
// untouched.
type tinvalidRequest struct{ msg string }

func (e *tinvalidRequest) Error() string { return "holdfast: invalid request: " + e.msg }

// writeRequest writes the request head and, unless it waits for a 100, the
// body. A body that fits the write buffer leaves with the head, in one
// system call.
func (c *tconn) writeRequest(req *http.Request) (tbodyWriter, error) {
	w := tbodyWriter{body: req.Body, length: req.ContentLength}
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

// wroteRequest notes the end of the request and fires WroteRequest.
func (c *tconn) wroteRequest(err error) {
	c.markWritten()
	if c.trace != nil && c.trace.WroteRequest != nil {
		c.trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
}

// markWritten notes when the request left, for the round trip measured at
// its first response byte, on the exchanges that measure it (timeRTT).
// The first mark counts: the write-and-wait path marks before it writes.
func (c *tconn) markWritten() {
	if c.timeRTT && c.wroteAt.IsZero() {
		c.wroteAt = time.Now()
	}
}

// flush writes out c.wbuf.
func (c *tconn) flush() error {
	err := c.write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// appendHead appends the request head: request line, Host, the caller's
// fields (validated: a CR or LF in a value would split the head), and the
// framing and connection fields the Transport owns.
func (c *tconn) appendHead(b []byte, req *http.Request, w *tbodyWriter) ([]byte, error) {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	if !http1.ValidFieldName(method) {
		return b, &tinvalidRequest{fmt.Sprintf("method %q", method)}
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !tvalidTarget(host) {
		return b, &tinvalidRequest{fmt.Sprintf("host %q", host)}
	}
	b = append(b, method...)
	b = append(b, ' ')
	b, err := tappendTarget(b, req.URL)
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
			closeTok = closeTok || thasToken(vs, "close")
		case "Expect":
			w.expect = w.body != nil && thasToken(vs, "100-continue")
		}
		if !http1.ValidFieldName(k) {
			return b, &tinvalidRequest{fmt.Sprintf("header field name %q", k)}
		}
		for _, v := range vs {
			if !http1.ValidFieldValue(v) {
				return b, &tinvalidRequest{fmt.Sprintf("value of header field %q", k)}
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
	b = c.appendConnection(b, req, closeTok)
	b = tappendFraming(b, method, req, w)
	return append(b, "\r\n"...), nil
}

// appendConnection asks for the close when the caller or the Transport
// wants one, and notes that the connection will not be reused.
func (c *tconn) appendConnection(b []byte, req *http.Request, closeTok bool) []byte {
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

// tappendFraming appends Content-Length or Transfer-Encoding (and the
// Trailer declaration of a chunked body).
func tappendFraming(b []byte, method string, req *http.Request, w *tbodyWriter) []byte {
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

// tappendTarget appends the origin-form request target of u.
func tappendTarget(b []byte, u *url.URL) ([]byte, error) {
	if u.Opaque != "" {
		s := u.RequestURI()
		if !tvalidTarget(s) {
			return b, &tinvalidRequest{fmt.Sprintf("request target %q", s)}
		}
		return append(b, s...), nil
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !tvalidTarget(p) {
		return b, &tinvalidRequest{fmt.Sprintf("path %q", p)}
	}
	b = append(b, p...)
	if u.ForceQuery || u.RawQuery != "" {
		if u.RawQuery != "" && !tvalidTarget(u.RawQuery) {
			return b, &tinvalidRequest{fmt.Sprintf("query %q", u.RawQuery)}
		}
		b = append(b, '?')
		b = append(b, u.RawQuery...)
	}
	return b, nil
}

// tvalidTarget reports whether s holds no controls, spaces or DEL: nothing
// that could end a request line or a field early.
func tvalidTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return s != ""
}

// thasToken reports whether any of the values lists token.
func thasToken(vs []string, token string) bool {
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
func (c *tconn) writeBody(req *http.Request, w tbodyWriter) error {
	if w.body == nil {
		return c.flushAwait()
	}
	defer w.body.Close()
	if w.length >= 0 {
		return c.writeLengthBody(w.body, w.length)
	}
	return c.writeChunkedBody(w.body, req.Trailer)
}

func (c *tconn) writeLengthBody(body io.Reader, n int64) error {
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
			return &tbodyReadError{err}
		}
	}
	if !c.bodyStarted {
		return c.flushAwait() // the whole request in one write
	}
	return c.flush()
}

// tChunkSize is the largest chunk of a chunked request body.
const tChunkSize = 16 << 10

func (c *tconn) writeChunkedBody(body io.Reader, trailer http.Header) error {
	if c.cbuf == nil {
		c.cbuf = make([]byte, tChunkSize)
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
			return &tbodyReadError{err}
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
