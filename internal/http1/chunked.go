package http1

import (
	"bytes"
	"strconv"
)

// Defaults for ChunkedDecoder's limits.
const (
	DefaultMaxTrailerBytes   = 16 << 10
	DefaultMaxExtensionBytes = 1 << 10
)

// ChunkedDecoder decodes the chunked transfer coding (RFC 9112 §7.1) as a
// stream: framing is consumed byte by byte, so no line needs to be buffered
// whole, and payload is handed back in place. Its zero value is ready to
// use; it is used by one goroutine at a time.
type ChunkedDecoder struct {
	// MaxTrailerBytes bounds the trailer section (its field lines with their
	// CRLFs), which the decoder copies. 0 means DefaultMaxTrailerBytes.
	MaxTrailerBytes int

	// MaxExtensionBytes bounds the chunk extensions of the whole body, all
	// chunk lines together: everything between a chunk size and its CRLF.
	// A budget per body rather than per line is what stops a sender from
	// making the receiver parse kilobytes of extensions per payload byte
	// with many one-byte chunks. 0 means DefaultMaxExtensionBytes; nobody
	// sends extensions in practice, so the default is small.
	MaxExtensionBytes int

	state     chunkState
	remaining int64 // data bytes left in the current chunk
	digits    int   // hex digits in the current chunk size
	extBytes  int   // extension bytes seen in the body so far
	trailer   []byte
	fields    []Field // built from trailer once the body is done
	err       error   // sticky
}

type chunkState uint8

const (
	chSizeStart    chunkState = iota // before the first digit of a chunk size
	chSize                           // in the chunk size's digits
	chExtSpace                       // BWS before ";" or the CRLF
	chExtPreName                     // after ";", before the extension's name
	chExtName                        // in the name
	chExtPostName                    // BWS after the name
	chExtPreValue                    // after "=", before the value
	chExtToken                       // in a token value
	chExtQuoted                      // in a quoted-string value
	chExtEscape                      // after a backslash in a quoted-string
	chSizeLF                         // after the CR that ends the chunk line
	chData                           // in chunk data
	chDataCR                         // after the data, before its CR
	chDataLF                         // before the LF after the data
	chTrailerStart                   // at the start of a trailer line
	chTrailerLine                    // in a trailer field line
	chTrailerLF                      // after the CR of a trailer field line
	chEndLF                          // after the CR of the empty line that ends the body
	chDone
)

// Decode consumes chunked framing and payload from src and returns the
// payload it found as a sub-slice of src, with n the bytes of src consumed.
// One call returns at most one contiguous run of payload, so callers loop:
// (nil, n, nil) with n > 0 means only framing was consumed, and (nil, 0, nil)
// that more input is needed, or that the body is Done. Once the last chunk
// and the trailer section are consumed, Done reports true and Decode
// consumes nothing more: what follows belongs to the next message.
//
// On error n counts the bytes consumed before the offending one, and the
// error sticks until Reset. An error met after a run of payload is returned
// by the next call, so that the payload is not lost with it.
func (d *ChunkedDecoder) Decode(src []byte) (payload []byte, n int, err error) {
	if d.err != nil {
		return nil, 0, d.err
	}
	for n < len(src) && d.state != chDone {
		if d.state == chData {
			if payload != nil {
				break
			}
			k := len(src) - n
			if int64(k) > d.remaining {
				k = int(d.remaining)
			}
			payload = src[n : n+k]
			n += k
			if d.remaining -= int64(k); d.remaining == 0 {
				d.state = chDataCR
			}
			continue
		}
		if err := d.step(src[n]); err != nil {
			if payload != nil {
				return payload, n, nil
			}
			d.err = err
			return nil, n, err
		}
		n++
	}
	return payload, n, nil
}

// Done reports whether the whole body, trailer section included, has been
// consumed.
func (d *ChunkedDecoder) Done() bool { return d.state == chDone }

// Trailers returns the trailer fields once Done, or nil. They point into a
// copy the decoder owns, valid until Reset. Which trailer fields to honour
// is the caller's decision (RFC 9110 §6.5.1): none is interpreted here.
func (d *ChunkedDecoder) Trailers() []Field {
	if d.state != chDone {
		return nil
	}
	return d.fields
}

// Reset prepares d for the next body, keeping its limits and the capacity
// of its trailer buffers.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{
		MaxTrailerBytes:   d.MaxTrailerBytes,
		MaxExtensionBytes: d.MaxExtensionBytes,
		trailer:           d.trailer[:0],
		fields:            d.fields[:0],
	}
}

// step consumes one framing byte. On error it leaves the state as it was,
// so that Decode can stop before the byte and report the error later.
func (d *ChunkedDecoder) step(c byte) error {
	switch d.state {
	case chSizeStart, chSize:
		return d.sizeDigit(c)
	case chSizeLF:
		if c != '\n' {
			return ErrBareCR
		}
		d.state = chData
		if d.remaining == 0 {
			d.state = chTrailerStart
		}
		return nil
	case chDataCR:
		if c != '\r' {
			return ErrBadChunkEnd
		}
		d.state = chDataLF
		return nil
	case chDataLF:
		if c != '\n' {
			return ErrBadChunkEnd
		}
		d.state, d.digits = chSizeStart, 0
		return nil
	case chTrailerStart, chTrailerLine, chTrailerLF, chEndLF:
		return d.trailerByte(c)
	}
	return d.extByte(d.state, c)
}

// sizeDigit handles a byte of chunk-size = 1*HEXDIG, and the one after it.
func (d *ChunkedDecoder) sizeDigit(c byte) error {
	v, ok := hexValue(c)
	switch {
	case ok:
		// More than 16 digits is refused even when they are leading zeros:
		// no sender pads that far, and it bounds the work per chunk line.
		if d.digits == 16 || d.remaining > (1<<63-1)>>4 {
			return ErrChunkTooLarge
		}
		d.remaining = d.remaining<<4 | int64(v)
		d.digits++
		d.state = chSize
		return nil
	case d.state == chSizeStart:
		return ErrBadChunkSize
	case c == '\r':
		d.state = chSizeLF
		return nil
	case c == '\n':
		return ErrBareLF
	case c == ';' || isOWS(c):
		return d.extByte(chExtSpace, c)
	}
	return ErrBadChunkSize
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// extByte handles a byte of the chunk extensions:
//
//	chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//	ext-val   = token / quoted-string
//
// BWS is also accepted between the last extension (or the size) and the
// CRLF, as senders pad there and it cannot change where the chunk ends.
func (d *ChunkedDecoder) extByte(from chunkState, c byte) error {
	next, err := extTransition(from, c)
	if err != nil {
		return err
	}
	if next != chSizeLF { // the CR ending the line is framing, not extension
		if d.extBytes >= d.maxExtension() {
			return ErrChunkExtTooLarge
		}
		d.extBytes++
	}
	d.state = next
	return nil
}

func (d *ChunkedDecoder) maxExtension() int {
	if d.MaxExtensionBytes > 0 {
		return d.MaxExtensionBytes
	}
	return DefaultMaxExtensionBytes
}

// extTransition is the extension grammar as a state table.
func extTransition(s chunkState, c byte) (chunkState, error) {
	if s == chExtQuoted {
		switch {
		case c == '"':
			return chExtSpace, nil
		case c == '\\':
			return chExtEscape, nil
		case valueChar[c]: // qdtext, plus the '"' and '\\' handled above
			return chExtQuoted, nil
		}
		return s, ErrBadChunkExtension
	}
	if s == chExtEscape {
		if valueChar[c] {
			return chExtQuoted, nil
		}
		return s, ErrBadChunkExtension
	}
	switch {
	case c == '\r' && s != chExtPreName && s != chExtPreValue:
		return chSizeLF, nil
	case c == '\n':
		return s, ErrBareLF
	case isOWS(c):
		return extAfterSpace(s), nil
	case c == ';' && s != chExtPreName && s != chExtPreValue:
		return chExtPreName, nil
	case c == '=' && (s == chExtName || s == chExtPostName):
		return chExtPreValue, nil
	case c == '"' && s == chExtPreValue:
		return chExtQuoted, nil
	case tokenChar[c] && (s == chExtPreName || s == chExtName):
		return chExtName, nil
	case tokenChar[c] && (s == chExtPreValue || s == chExtToken):
		return chExtToken, nil
	}
	return s, ErrBadChunkExtension
}

// extAfterSpace is where whitespace leads: it ends a name or a value, and is
// skipped where a name or value is awaited.
func extAfterSpace(s chunkState) chunkState {
	switch s {
	case chExtName:
		return chExtPostName
	case chExtToken:
		return chExtSpace
	}
	return s
}

// trailerByte handles a byte of the trailer section, copying field lines
// into d.trailer; the fields are parsed when the section ends.
func (d *ChunkedDecoder) trailerByte(c byte) error {
	var next chunkState
	switch {
	case d.state == chEndLF:
		if c != '\n' {
			return ErrBareCR
		}
		return d.finishTrailers()
	case d.state == chTrailerLF:
		if c != '\n' {
			return ErrBareCR
		}
		if err := checkTrailerLine(d.trailer); err != nil {
			return err
		}
		next = chTrailerStart
	case c == '\n':
		return ErrBareLF
	case c == '\r' && d.state == chTrailerStart:
		d.state = chEndLF
		return nil
	case c == '\r':
		next = chTrailerLF
	default:
		next = chTrailerLine
	}
	max := d.MaxTrailerBytes
	if max <= 0 {
		max = DefaultMaxTrailerBytes
	}
	if len(d.trailer) >= max {
		return ErrTrailerTooLarge
	}
	d.trailer = append(d.trailer, c)
	d.state = next
	return nil
}

// checkTrailerLine validates the last field line of trailer, which ends in
// the CR just stored. (A trailer line cannot hold any other CR: the state
// machine takes the first one as the line's end.)
func checkTrailerLine(trailer []byte) error {
	ls := bytes.LastIndexByte(trailer, '\n') + 1
	if _, _, _, err := parseField(trailer, ls, false); err != nil {
		return ErrBadTrailer
	}
	return nil
}

func (d *ChunkedDecoder) finishTrailers() error {
	d.fields = d.fields[:0]
	for ls := 0; ls < len(d.trailer); {
		name, value, cr, _ := parseField(d.trailer, ls, false) // checked line by line
		d.fields = append(d.fields, Field{Name: name, Value: value})
		ls = cr + 2
	}
	d.state = chDone
	return nil
}

// AppendChunkHeader appends a chunk-size line: size (>= 0) in lower-case
// hex, then CRLF.
func AppendChunkHeader(dst []byte, size int) []byte {
	dst = strconv.AppendUint(dst, uint64(size), 16)
	return append(dst, "\r\n"...)
}

// AppendChunk appends p as one chunk. An empty p appends nothing, since a
// zero-size chunk would end the body.
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(p))
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last chunk and an empty trailer section.
// Callers with trailers write "0\r\n", their fields and "\r\n" themselves.
func AppendLastChunk(dst []byte) []byte { return append(dst, "0\r\n\r\n"...) }
