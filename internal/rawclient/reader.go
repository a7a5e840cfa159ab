package rawclient

import (
	"io"
	"net"

	"holdfast/internal/http1"
)

// Buffer bounds: most responses fit the initial size; a larger head grows
// the buffer, doubling. The parser refuses a head over
// http1.DefaultMaxHeadBytes before the buffer reaches maxBuffer, so the
// bound is a guard rather than a limit a response meets.
const (
	initialBuffer = 16 << 10
	maxBuffer     = 128 << 10
)

// Reader reads the responses that arrive on one connection at a time. It
// is used by one goroutine; the zero Reader is ready once Reset gives it a
// connection.
type Reader struct {
	conn   net.Conn
	buf    []byte
	rd, wr int // the unread input is buf[rd:wr]
	parser http1.Parser
	resp   http1.Response
	chunk  http1.ChunkedDecoder

	// OnRead, when set, is called after every read that returned data,
	// with the count of bytes read: bench takes its clock readings and
	// counts received bytes there, once per read rather than per response.
	OnRead func(n int)
}

// Reset makes r read from conn, dropping the unread input of the previous
// connection. The buffer is kept for the next connection.
func (r *Reader) Reset(conn net.Conn) {
	if r.buf == nil {
		r.buf = make([]byte, initialBuffer)
		r.resp.Reset()
	}
	r.conn, r.rd, r.wr = conn, 0, 0
}

// Response is the head ReadHead read last. Its byte slices point into the
// buffer: they are valid until the body is read.
func (r *Reader) Response() *http1.Response { return &r.resp }

// Buffered is the count of bytes read from the connection and not yet
// consumed.
func (r *Reader) Buffered() int { return r.wr - r.rd }

// Unread is the input not yet consumed, for an error message that quotes
// what the peer sent. It is valid until the next read.
func (r *Reader) Unread() []byte { return r.buf[r.rd:r.wr] }

// Received is all the buffer holds, consumed or not: on a connection's
// first response, everything the peer has sent, unless the buffer was
// emptied on the way. It is valid until the next read.
func (r *Reader) Received() []byte { return r.buf[:r.wr] }

// ReadHead reads the next final response head, skipping interim (1xx)
// responses; a 101 is final, since HTTP ends with it. Input that cannot
// start a status line fails at once with http1.ErrBadStatusLine, rather
// than after the timeout, waiting for the end of a head that is not one
// (an SSH banner, a TLS alert).
func (r *Reader) ReadHead() error {
	r.parser.Reset()
	for {
		if r.rd < r.wr {
			n, err := r.parser.ParseResponse(r.buf[r.rd:r.wr], &r.resp)
			if err != nil {
				return err
			}
			if n == 0 && !looksLikeHTTP(r.buf[r.rd:r.wr]) {
				return http1.ErrBadStatusLine
			}
			if n > 0 {
				r.rd += n
				if s := r.resp.Status; s >= 200 || s == 101 {
					return nil
				}
				r.parser.Reset() // 100 Continue, 103 Early Hints: the answer follows
				continue
			}
		}
		if err := r.Fill(); err != nil {
			return err
		}
	}
}

// ReadBody consumes the body of the response ReadHead read, delimited as
// framing says (http1.ResponseFraming of that response), and hands each
// piece of it to keep, as a slice of the buffer valid only during the
// call; a nil keep discards the body without copying it. An UntilClose
// body ends at the server's FIN, which is not an error; the end of the
// connection inside any other body is io.ErrUnexpectedEOF. NoBody reads
// nothing, and so does Tunnel: what follows a tunnel's head is not HTTP,
// and what to do with it is the caller's decision.
func (r *Reader) ReadBody(framing http1.Framing, keep func([]byte)) error {
	switch framing {
	case http1.Length:
		return r.readLength(r.resp.ContentLength, keep)
	case http1.Chunked:
		return r.readChunked(keep)
	case http1.UntilClose:
		return r.readToEOF(keep)
	}
	return nil
}

// Fill reads once from the connection, after the unread input, making room
// first: it starts the buffer over when everything was consumed, moves the
// unread input to the front when it reaches the end, and doubles the
// buffer when the unread input fills it. The read's error is returned only
// when it brought no data.
func (r *Reader) Fill() error {
	switch {
	case r.rd == r.wr:
		r.rd, r.wr = 0, 0
	case r.wr == len(r.buf) && r.rd > 0:
		r.wr = copy(r.buf, r.buf[r.rd:r.wr])
		r.rd = 0
	case r.wr == len(r.buf):
		if len(r.buf) >= maxBuffer {
			return http1.ErrResponseHead
		}
		r.buf = append(r.buf, make([]byte, len(r.buf))...)
	}
	n, err := r.conn.Read(r.buf[r.wr:])
	if n > 0 {
		r.wr += n
		if r.OnRead != nil {
			r.OnRead(n)
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// readLength consumes n body bytes.
func (r *Reader) readLength(n int64, keep func([]byte)) error {
	for {
		k := int(min(int64(r.wr-r.rd), n))
		if keep != nil && k > 0 {
			keep(r.buf[r.rd : r.rd+k])
		}
		r.rd += k
		if n -= int64(k); n == 0 {
			return nil
		}
		if err := r.Fill(); err != nil {
			return unexpected(err)
		}
	}
}

// readChunked consumes a chunked body through its trailer section.
func (r *Reader) readChunked(keep func([]byte)) error {
	r.chunk.Reset()
	for {
		payload, n, err := r.chunk.Decode(r.buf[r.rd:r.wr])
		r.rd += n
		if keep != nil && len(payload) > 0 {
			keep(payload)
		}
		switch {
		case err != nil:
			return err
		case r.chunk.Done():
			return nil
		case n > 0:
			continue
		}
		if err := r.Fill(); err != nil {
			return unexpected(err)
		}
	}
}

// readToEOF consumes a body that ends when the server closes.
func (r *Reader) readToEOF(keep func([]byte)) error {
	for {
		if keep != nil && r.rd < r.wr {
			keep(r.buf[r.rd:r.wr])
		}
		r.rd = r.wr
		if err := r.Fill(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// unexpected turns an EOF inside a body into io.ErrUnexpectedEOF, so that
// it is not taken for a close between responses.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// looksLikeHTTP reports whether the start of an incomplete head can still
// become a status line.
func looksLikeHTTP(b []byte) bool {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	const prefix = "HTTP/"
	n := min(len(b), len(prefix))
	return string(b[:n]) == prefix[:n]
}
