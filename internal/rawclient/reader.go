package rawclient

import (
	"io"
	"net"

	"holdfast/internal/http1"
	"holdfast/internal/readbuf"
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
	in     readbuf.Buffer
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
	if r.in.Buf == nil {
		r.in.Buf = make([]byte, initialBuffer)
		r.resp.Reset()
	}
	r.conn = conn
	r.in.Reset()
}

// Response is the head ReadHead read last. Its byte slices point into the
// buffer: they are valid until the body is read.
func (r *Reader) Response() *http1.Response { return &r.resp }

// Buffered is the count of bytes read from the connection and not yet
// consumed.
func (r *Reader) Buffered() int { return r.in.Len() }

// Unread is the input not yet consumed, for an error message that quotes
// what the peer sent. It is valid until the next read.
func (r *Reader) Unread() []byte { return r.in.Unread() }

// Received is all the buffer holds, consumed or not: on a connection's
// first response, everything the peer has sent, unless the buffer was
// emptied on the way. It is valid until the next read.
func (r *Reader) Received() []byte { return r.in.Buf[:r.in.End] }

// ReadHead reads the next final response head, skipping interim (1xx)
// responses; a 101 is final, since HTTP ends with it. Input that cannot
// start a status line fails at once with http1.ErrBadStatusLine, rather
// than after the timeout, waiting for the end of a head that is not one
// (an SSH banner, a TLS alert).
func (r *Reader) ReadHead() error {
	r.parser.Reset()
	for {
		if r.in.Len() > 0 {
			n, err := r.parser.ParseResponse(r.in.Unread(), &r.resp)
			if err != nil {
				return err
			}
			if n == 0 && !looksLikeHTTP(r.in.Unread()) {
				return http1.ErrBadStatusLine
			}
			if n > 0 {
				r.in.Consume(n)
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

// Fill reads once from the connection, after the unread input, making
// room first (see readbuf.Buffer.Fill: the buffer doubles up to maxBuffer).
// The read's error is returned only when it brought no data.
func (r *Reader) Fill() error {
	n, err := r.in.Fill(r.conn, maxBuffer)
	if n > 0 && r.OnRead != nil {
		r.OnRead(n)
	}
	return err
}

// readLength consumes n body bytes.
func (r *Reader) readLength(n int64, keep func([]byte)) error {
	for {
		k := int(min(int64(r.in.Len()), n))
		if keep != nil && k > 0 {
			keep(r.in.Unread()[:k])
		}
		r.in.Consume(k)
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
		payload, n, err := r.chunk.Decode(r.in.Unread())
		r.in.Consume(n)
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
		if keep != nil && r.in.Len() > 0 {
			keep(r.in.Unread())
		}
		r.in.Consume(r.in.Len())
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
