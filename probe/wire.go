package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"holdfast/internal/http1"
	"holdfast/internal/rawclient"
)

// conn is one probe connection: the socket and its input. It is used by
// one goroutine.
type conn struct {
	nc   net.Conn
	ctx  context.Context
	in   rawclient.Reader // nc's responses
	stop func() bool      // unregisters the context's wake-up
}

// maxKeptBody is how much of a body a probe keeps, to look for markers.
const maxKeptBody = 4 << 10

// dial connects, with TLS for an https target (its handshake bounded by
// timeout too); cancelling ctx later wakes any blocked read or write.
func (t *target) dial(ctx context.Context, timeout time.Duration) (*conn, error) {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	nc, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, err
	}
	if t.tls != nil {
		tc := tls.Client(nc, t.tls)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return nil, &handshakeError{err}
		}
		nc = tc
	}
	c := &conn{nc: nc, ctx: ctx}
	c.in.Reset(nc)
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
	if err := c.in.ReadHead(); err != nil {
		return nil, err
	}
	r := c.in.Response()
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
	framing := http1.ResponseFraming(method, r)
	switch framing {
	case http1.UntilClose:
		resp.Persistent = false
	case http1.Tunnel:
		return nil, errors.New("the server switched protocols")
	}
	err := c.in.ReadBody(framing, resp.keep)
	resp.End = time.Now()
	return resp, err
}

// keep saves the first maxKeptBody bytes of the body, p being its next
// piece.
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
	if c.in.Buffered() > 0 {
		return gotData, time.Now()
	}
	c.setDeadline(c.nc.SetReadDeadline, deadline)
	err := c.in.Fill()
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

// handshakeError is a failed TLS handshake, told apart from a failed
// connect in the preflight's message.
type handshakeError struct{ err error }

func (e *handshakeError) Error() string { return "TLS handshake: " + e.err.Error() }
func (e *handshakeError) Unwrap() error { return e.err }
