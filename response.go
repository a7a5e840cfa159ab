package holdfast

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"holdfast/internal/http1"
)

// pendingMax is how much body a response holds back before it writes its
// head: a body that is complete within it when the handler returns gets a
// Content-Length; a longer one is streamed (chunked to HTTP/1.1 clients).
const pendingMax = 4 << 10

var errAfterReturn = errors.New("holdfast: ResponseWriter used after the handler returned")

// response is the http.ResponseWriter of one request, and the parts of
// the request that live as long as the request does, so that a request
// costs fewer allocations: its context, its URL and the backing array of
// its header values. The writer's state is the exchange's, reused from
// request to request; it is cut off once the request is over, so a handler
// that kept the ResponseWriter gets errAfterReturn rather than somebody
// else's response.
type response struct {
	*respState
	cut atomic.Bool // the request is over: respState serves another one

	ctx  reqContext
	url  url.URL
	vals [inlineFields]string
}

// respState is the writer's state. It is used by the handler's goroutine
// only (as net/http requires), except that the first read of a body with
// Expect: 100-continue may come from another goroutine: mu orders that 100
// Continue against the head.
type respState struct {
	c      *conn
	req    *http.Request
	header http.Header

	isHead bool
	http10 bool

	status      int
	wroteHeader bool     // the handler chose its status
	headSent    bool     // the head is in the output buffer (guarded by mu with expect100)
	declared    int64    // Content-Length the handler set; -1 when none
	written     int64    // body bytes the handler wrote
	chunked     bool     // body sent with chunked coding
	pending     []byte   // body held back until the head is written
	trailers    []string // trailer names the handler declared
	closeReason CloseReason
	done        bool
	hijacked    bool

	expect100    bool
	mu           sync.Mutex
	continueSent bool // guarded by mu
}

// inlineFields is how many request header values fit in the response
// value; a request with more allocates their array apart.
const inlineFields = 4

func newResponse(c *conn) *response {
	rs := &c.ex.resp
	*rs = respState{
		c:         c,
		header:    c.ex.respHeader,
		isHead:    string(c.ex.head.Method) == "HEAD",
		http10:    c.ex.head.Version == http1.HTTP10,
		declared:  -1,
		pending:   c.ex.pend[:0],
		expect100: c.ex.head.Expect100,
	}
	if len(rs.header) > 0 {
		clear(rs.header) // the goroutine engine keeps its exchange between requests
	}
	w := &response{respState: rs}
	w.ctx.conn = c
	w.ctx.wire = c.ex.wire
	return w
}

// end closes the request: its context is cancelled and the writer's state
// goes back to the exchange.
func (w *response) end() {
	w.ctx.cancel()
	w.cut.Store(true)
}

// over reports whether the request is over and the writer cut off. Every
// exported method asks first; the state is not touched after.
func (w *response) over() bool { return w.cut.Load() }

func (w *response) Header() http.Header {
	if w.over() {
		return http.Header{} // a handler's late change goes nowhere
	}
	return w.header
}

func (w *response) WriteHeader(code int) {
	if w.over() || w.done || w.hijacked {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.wroteHeader {
		return // superfluous: the first status stands, as in net/http
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.sendInformational(code)
		return
	}
	w.wroteHeader = true
	w.status = code
	if cl := w.handlerContentLength(); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declared = n
		} else {
			w.c.srv.logWarn("invalid Content-Length from handler ignored", "value", cl, "target", w.req.RequestURI)
			w.header.Del("Content-Length")
		}
	}
}

// handlerContentLength is the Content-Length the handler set, looked up
// as net/http does: by its canonical name, without canonicalising again.
func (w *response) handlerContentLength() string {
	if len(w.header) == 0 {
		return ""
	}
	if v := w.header["Content-Length"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (w *response) Write(p []byte) (int, error) {
	switch {
	case w.over(), w.done:
		return 0, errAfterReturn
	case w.hijacked:
		return 0, ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, ErrBodyNotAllowed
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, ErrContentLength
	}
	w.written += int64(len(p))
	if w.isHead {
		return len(p), nil // counted for Content-Length, not sent
	}
	if !w.headSent {
		if len(w.pending)+len(p) <= pendingMax {
			w.pending = append(w.pending, p...)
			return len(p), nil
		}
		w.sendHead(false)
	}
	if err := w.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString avoids a copy to []byte for io.WriteString callers.
func (w *response) WriteString(s string) (int, error) {
	if !w.over() && !w.headSent && !w.done && !w.hijacked && w.wroteHeader && len(w.pending)+len(s) <= pendingMax &&
		bodyAllowed(w.status) && !w.isHead && (w.declared < 0 || w.written+int64(len(s)) <= w.declared) {
		w.pending = append(w.pending, s...)
		w.written += int64(len(s))
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// writeBody sends body bytes after the head, in the response's framing.
func (w *response) writeBody(p []byte) error {
	c := w.c
	ex := c.ex
	if w.chunked && len(p) > 0 {
		ex.out = http1.AppendChunkHeader(ex.out, len(p))
	}
	if len(ex.out)+len(p) <= outbufSize {
		ex.out = append(ex.out, p...)
	} else if err := c.writeThrough(p); err != nil {
		return err
	}
	if w.chunked && len(p) > 0 {
		ex.out = append(ex.out, "\r\n"...)
	}
	return nil
}

func (w *response) Flush() { w.FlushError() }

// FlushError is what http.ResponseController calls.
func (w *response) FlushError() error {
	switch {
	case w.over(), w.done:
		return errAfterReturn
	case w.hijacked:
		return ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead(false)
	}
	return w.c.flush()
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead(true)
	} else if w.chunked {
		w.c.ex.out = w.appendTrailers(w.c.ex.out)
	}
	if w.declared >= 0 && w.written < w.declared && bodyAllowed(w.status) && !w.isHead {
		// The client is waiting for bytes that will never come: only
		// closing ends the body.
		w.closeReason = CloseHandler
	}
	w.done = true
}

// sendHead writes the head (and, if the handler has returned, the held-back
// body) into the output buffer, deciding the framing and whether the
// connection is kept. The handler's fields are written in the one pass over
// its header map that also learns what the server must know of them.
func (w *response) sendHead(final bool) {
	if w.expect100 {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	w.headSent = true
	c := w.c
	now, mono := c.ex.wire.clock()
	b := http1.AppendStatusLine(c.ex.out, w.status)
	b, facts := w.appendHandlerFields(b)
	length := w.framing(final, facts)
	w.closeReason = c.closeAfter(&c.ex.head, w.handlerWantsClose(length, facts), mono)
	if w.closeReason == reasonNone && w.expect100 && !w.continueSent {
		// The client waits for 100 Continue that a final response now
		// rules out; whether it sends the body anyway cannot be known.
		w.closeReason = CloseUnreadBody
	}
	if facts&hasDate == 0 {
		b = append(b, "Date: "...)
		b = appendDate(b, now)
		b = append(b, "\r\n"...)
	}
	if facts&(hasContentType|teChunked) == 0 && len(w.pending) > 0 {
		b = http1.AppendField(b, "Content-Type", http.DetectContentType(w.pending))
	}
	switch {
	case w.chunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	case length >= 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, length, 10)
		b = append(b, "\r\n"...)
	}
	b = w.appendConnection(b, mono)
	b = append(b, "\r\n"...)
	c.ex.out = b
	w.sendPending(final)
}

// fieldFacts is what the server learns of the handler's header fields
// while writing them.
type fieldFacts uint8

const (
	hasDate        fieldFacts = 1 << iota
	hasContentType            // the handler set Content-Type
	teChunked                 // the handler's Transfer-Encoding ends in chunked (HTTP/1.1)
	hasTrailer                // the handler declared trailers
	connClose                 // the handler's Connection field has close
)

// framing picks how the body is delimited and returns the Content-Length
// to send, or -1 for none.
func (w *response) framing(final bool, facts fieldFacts) int64 {
	switch {
	case !bodyAllowed(w.status):
		if w.declared >= 0 && w.status == http.StatusNotModified {
			return w.declared // a 304 may repeat the length of the 200
		}
		return -1
	case w.declared >= 0:
		return w.declared
	case facts&(teChunked|hasTrailer) != 0:
		// Trailers need chunked coding, as in net/http.
	case final && w.isHead && w.written == 0:
		return -1 // HEAD whose handler wrote nothing: length unknown
	case final:
		return w.written
	}
	if w.http10 {
		return -1 // no chunked coding in HTTP/1.0: closing ends the body
	}
	w.chunked = true
	w.trailers = w.declaredTrailers()
	return -1
}

// handlerWantsClose reports whether the response itself forces the close:
// the handler sent Connection: close, the body can only end by closing, or
// the protocol is switching.
func (w *response) handlerWantsClose(length int64, facts fieldFacts) bool {
	switch {
	case w.status == http.StatusSwitchingProtocols:
		return true
	case length < 0 && !w.chunked && bodyAllowed(w.status) && !w.isHead:
		return true
	}
	return facts&connClose != 0
}

// appendHandlerFields writes the handler's header fields, apart from those
// the server owns, dropping invalid names and replacing bytes that would
// break the head (CR, LF, NUL) with spaces, as net/http does; it reports
// what the server needs to know of them.
func (w *response) appendHandlerFields(b []byte) ([]byte, fieldFacts) {
	var facts fieldFacts
	for name, vals := range w.header {
		switch name {
		case "Content-Type":
			facts |= hasContentType
		case "Date":
			facts |= hasDate
		case "Content-Length", "Keep-Alive":
			continue
		case "Transfer-Encoding":
			if len(vals) > 0 && strings.EqualFold(vals[len(vals)-1], "chunked") && !w.http10 {
				facts |= teChunked
			}
			continue
		case "Trailer":
			if len(vals) > 0 {
				facts |= hasTrailer
			}
		case "Connection":
			for _, v := range vals {
				if http1.HasToken([]byte(v), "close") {
					facts |= connClose
				}
			}
			if w.status != http.StatusSwitchingProtocols {
				continue
			}
		}
		if strings.HasPrefix(name, http.TrailerPrefix) || !http1.ValidFieldName(name) {
			continue
		}
		for _, v := range vals {
			if !http1.ValidFieldValue(v) {
				v = sanitizeValue(v)
			}
			b = http1.AppendField(b, name, v)
		}
	}
	return b, facts
}

func sanitizeValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f {
			return ' '
		}
		return r
	}, v)
}

// appendConnection writes the persistence fields: Connection: close when
// closing; when keeping, Connection: keep-alive for HTTP/1.0 clients (which
// close otherwise) and with the Keep-Alive hint when it is advertised.
func (w *response) appendConnection(b []byte, now int64) []byte {
	c := w.c
	switch {
	case w.status == http.StatusSwitchingProtocols:
		return b // the handler's Connection: upgrade stands
	case w.closeReason != reasonNone:
		return append(b, "Connection: close\r\n"...)
	case c.srv.pol().advertise:
		b = append(b, "Connection: keep-alive\r\n"...)
		timeout, remaining := c.keepAliveHint(now)
		if timeout >= 0 {
			b = http1.AppendKeepAlive(b, timeout, remaining)
		}
	case w.http10:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	return b
}

// sendPending moves the held-back body after the head.
func (w *response) sendPending(final bool) {
	p := w.pending
	w.pending = nil
	if len(p) > 0 && !w.isHead {
		w.writeBody(p)
	}
	if final && w.chunked {
		w.c.ex.out = w.appendTrailers(w.c.ex.out)
	}
}

func (w *response) declaredTrailers() []string {
	var names []string
	for _, v := range w.header["Trailer"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, http.CanonicalHeaderKey(name))
			}
		}
	}
	return names
}

// appendTrailers ends a chunked body with the trailer fields: the names
// declared in Trailer and any set with http.TrailerPrefix.
func (w *response) appendTrailers(b []byte) []byte {
	b = append(b, "0\r\n"...)
	for _, name := range w.trailers {
		for _, v := range w.header[name] {
			b = appendSafeField(b, name, v)
		}
	}
	for name, vals := range w.header {
		if trailer, ok := strings.CutPrefix(name, http.TrailerPrefix); ok {
			for _, v := range vals {
				b = appendSafeField(b, trailer, v)
			}
		}
	}
	return append(b, "\r\n"...)
}

func appendSafeField(b []byte, name, v string) []byte {
	if !http1.ValidFieldName(name) {
		return b
	}
	if !http1.ValidFieldValue(v) {
		v = sanitizeValue(v)
	}
	return http1.AppendField(b, name, v)
}

// sendInformational writes a 1xx response (103 Early Hints, for example)
// at once, with the header fields set so far.
func (w *response) sendInformational(code int) {
	c := w.c
	b := http1.AppendStatusLine(c.ex.out, code)
	b, _ = w.appendHandlerFields(b)
	c.ex.out = append(b, "\r\n"...)
	c.flush()
}

// sendContinue answers Expect: 100-continue when the handler first reads
// the body, unless a final response is already on its way.
func (w *response) sendContinue() {
	if w.over() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.headSent || w.continueSent {
		return
	}
	w.continueSent = true
	w.c.writeContinue()
}

// Hijack hands the connection to the handler (http.Hijacker): the server
// forgets it, and bytes it had read ahead come first from the returned reader.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.over(), w.done:
		return nil, nil, errAfterReturn
	case w.hijacked:
		return nil, nil, ErrHijacked
	}
	if w.wroteHeader && !w.headSent {
		// The status the handler chose goes out first, as with net/http:
		// a WebSocket library writes 101 and then takes the connection.
		w.sendHead(true)
	}
	w.hijacked = true
	return w.c.hijack()
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
