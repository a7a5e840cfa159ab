// Package readbuf is the input buffer of a client connection: the
// response bytes read from the socket and not yet consumed. The client's
// Transport and the measuring tools' raw reader (internal/rawclient) both
// read responses through one, so that how the buffer makes room and grows
// is written once.
package readbuf

import (
	"io"

	"holdfast/internal/http1"
)

// Buffer holds the bytes read and not yet consumed, Buf[Start:End]. It is
// used by one goroutine at a time; its fields are for the parsers and
// decoders that work on the bytes in place.
type Buffer struct {
	Buf   []byte
	Start int
	End   int
}

// Unread is the input not yet consumed, valid until the next Fill.
func (b *Buffer) Unread() []byte { return b.Buf[b.Start:b.End] }

// Len is the count of bytes read and not yet consumed.
func (b *Buffer) Len() int { return b.End - b.Start }

// Consume marks n bytes of the input as consumed.
func (b *Buffer) Consume(n int) { b.Start += n }

// Reset drops the unread input, keeping the buffer.
func (b *Buffer) Reset() { b.Start, b.End = 0, 0 }

// Fill reads once from src, after the unread input, making room first: it
// starts the buffer over when everything was consumed, moves the unread
// input to the front when it reaches the end, and doubles the buffer, up
// to limit bytes, when the unread input fills it; a buffer full at limit
// fails with http1.ErrResponseHead (a response head too large to parse).
// It returns the count of bytes read, and the read's error only when it
// brought no data.
func (b *Buffer) Fill(src io.Reader, limit int) (int, error) {
	switch {
	case b.Start == b.End:
		b.Start, b.End = 0, 0
	case b.End == len(b.Buf) && b.Start > 0:
		b.End = copy(b.Buf, b.Buf[b.Start:b.End])
		b.Start = 0
	case b.End == len(b.Buf):
		if len(b.Buf) >= limit {
			return 0, http1.ErrResponseHead
		}
		grown := make([]byte, min(2*len(b.Buf), limit))
		copy(grown, b.Buf[:b.End])
		b.Buf = grown
	}
	n, err := src.Read(b.Buf[b.End:])
	if n > 0 {
		b.End += n
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, err
}
