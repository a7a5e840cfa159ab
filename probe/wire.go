package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"holdfast/internal/http1"
)

// conn is one probe connection: the socket and its unread input. It is
// used by one goroutine.
type conn struct {
	nc     net.Conn
	ctx    context.Context
	buf    []byte
	rd, wr int // unread input is buf[rd:wr]
	parser http1.Parser
	resp   http1.Response
	stop   func() bool // unregisters the context's wake-up
}

// maxKeptBody is how much of a body a probe keeps, to look for markers.
const maxKeptBody = 4 << 10

// dial connects; cancelling ctx later wakes any blocked read or write.
func dial(ctx context.Context, addr string, timeout time.Duration) (*conn, error) {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, ctx: ctx, buf: make([]byte, 16<<10)}
	c.stop = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

func (c *conn) close() {
	c.stop()
	c.nc.Close()
}

// setDeadline sets a read or write deadline without undoing the wake-up
// of a cancelled context: if the context ended before the new deadline was
// set, the deadline goes back to the past.
func (c *conn) setDeadline(set func(time.Time) error, t time.Time) {
	set(t)
	if c.ctx.Err() != nil {
		c.nc.SetDeadline(time.Unix(1, 0))
	}
}

func (c *conn) send(b []byte, deadline time.Time) error {
	c.setDeadline(c.nc.SetWriteDeadline, deadline)
	_, err := c.nc.Write(b)
	return err
}

// response is what the probes keep of a response.
type response struct {
	Version    string
	Status     int
	Connection string // the Connection field as received, "" when absent
	KeepAlive  string // the Keep-Alive field as received
	Server     string
	Persistent bool // by RFC 9112 §9.3, the connection may carry another request
	AdvTimeout int  // Keep-Alive timeout=, -1 when not advertised
	AdvMax     int  // Keep-Alive max=, -1 when not advertised
	Body       []byte
	End        time.Time // when its last byte arrived
}

// roundTrip sends one request and reads its response.
func (c *conn) roundTrip(req []byte, method string, timeout time.Duration) (*response, error) {
	deadline := time.Now().Add(timeout)
	if err := c.send(req, deadline); err != nil {
		return nil, err
	}
	return c.readResponse(method, deadline)
}

// readResponse reads the next final response, skipping 1xx ones.
func (c *conn) readResponse(method string, deadline time.Time) (*response, error) {
	c.setDeadline(c.nc.SetReadDeadline, deadline)
	if err := c.readHead(); err != nil {
		return nil, err
	}
	r := &c.resp
	resp := &response{
		Version:    r.Version.String(),
		Status:     r.Status,
		Connection: string(r.Get("Connection")),
		KeepAlive:  string(r.Get("Keep-Alive")),
		Server:     string(r.Get("Server")),
		AdvTimeout: r.KeepAliveTimeout,
		AdvMax:     r.KeepAliveMax,
		Persistent: http1.Persistent(r.Version, r.Close, r.KeepAlive),
	}
	var err error
	switch http1.ResponseFraming(method, r) {
	case http1.Length:
		err = c.readBody(resp, r.ContentLength)
	case http1.Chunked:
		err = c.readChunked(resp)
	case http1.UntilClose:
		resp.Persistent = false
		err = c.readBody(resp, -1)
	case http1.Tunnel:
		return nil, errors.New("the server switched protocols")
	}
	resp.End = time.Now()
	return resp, err
}

func (c *conn) readHead() error {
	c.parser.Reset()
	for {
		if c.rd < c.wr {
			n, err := c.parser.ParseResponse(c.buf[c.rd:c.wr], &c.resp)
			if err != nil {
				return err
			}
			if n == 0 && !looksLikeHTTP(c.buf[c.rd:c.wr]) {
				return http1.ErrBadStatusLine // do not wait for the end of a head that is not one
			}
			if n > 0 {
				c.rd += n
				if s := c.resp.Status; s >= 200 || s == 101 {
					return nil
				}
				c.parser.Reset()
				continue
			}
		}
		if err := c.fill(); err != nil {
			return err
		}
	}
}

// fill reads more input after what is unread.
func (c *conn) fill() error {
	if c.rd == c.wr {
		c.rd, c.wr = 0, 0
	} else if c.wr == len(c.buf) {
		if c.rd == 0 {
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		} else {
			c.wr = copy(c.buf, c.buf[c.rd:c.wr])
			c.rd = 0
		}
	}
	n, err := c.nc.Read(c.buf[c.wr:])
	c.wr += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// readBody consumes n body bytes (n < 0: until the server closes),
// keeping the first maxKeptBody of them.
func (c *conn) readBody(resp *response, n int64) error {
	for n != 0 {
		if c.rd == c.wr {
			err := c.fill()
			if n < 0 && err == io.EOF {
				return nil
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if err != nil {
				return err
			}
		}
		k := c.wr - c.rd
		if n >= 0 && int64(k) > n {
			k = int(n)
		}
		resp.keep(c.buf[c.rd : c.rd+k])
		c.rd += k
		if n > 0 {
			n -= int64(k)
		}
	}
	return nil
}

func (c *conn) readChunked(resp *response) error {
	var d http1.ChunkedDecoder
	for !d.Done() {
		payload, n, err := d.Decode(c.buf[c.rd:c.wr])
		c.rd += n
		resp.keep(payload)
		if err != nil {
			return err
		}
		if n > 0 || d.Done() {
			continue
		}
		if err := c.fill(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

func (r *response) keep(p []byte) {
	if room := maxKeptBody - len(r.Body); room > 0 {
		r.Body = append(r.Body, p[:min(room, len(p))]...)
	}
}

// event is what a waiting connection saw.
type event uint8

const (
	stillOpen event = iota // nothing happened before the deadline
	gotFIN                 // the server closed (read returned EOF)
	gotRST                 // the server reset the connection
	gotData                // the server sent bytes (buffered for readResponse)
	failed                 // some other error
)

func (e event) String() string {
	return [...]string{"open", "FIN", "RST", "data", "error"}[e]
}

// watch waits until the server closes, sends something, or deadline.
func (c *conn) watch(deadline time.Time) (event, time.Time) {
	if c.rd < c.wr {
		return gotData, time.Now()
	}
	c.setDeadline(c.nc.SetReadDeadline, deadline)
	err := c.fill()
	at := time.Now()
	return classify(err), at
}

func classify(err error) event {
	switch {
	case err == nil:
		return gotData
	case errors.Is(err, io.EOF):
		return gotFIN
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return gotRST
	case errors.Is(err, os.ErrDeadlineExceeded):
		return stillOpen
	}
	return failed
}

// looksLikeHTTP reports whether the start of an incomplete head can still
// become a status line, so that a peer that is not HTTP (an SSH banner, a
// TLS alert) fails at once instead of after the timeout.
func looksLikeHTTP(b []byte) bool {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	const prefix = "HTTP/"
	n := min(len(b), len(prefix))
	return string(b[:n]) == prefix[:n]
}
