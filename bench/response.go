package bench

import (
	"io"
	"time"

	"holdfast/internal/http1"
)

// readResponse reads one response, skipping its body, and reports whether
// the connection may carry the next request. Nothing is allocated: the head
// is parsed in place and the body is consumed without being copied.
func (w *worker) readResponse() (keep bool, err error) {
	if err := w.readHead(); err != nil {
		return false, err
	}
	framing := http1.ResponseFraming(w.p.method, &w.resp)
	switch framing {
	case http1.Length:
		err = w.skip(w.resp.ContentLength)
	case http1.Chunked:
		err = w.skipChunked()
	case http1.UntilClose:
		return false, w.skipToEOF()
	case http1.Tunnel:
		return false, errBadFraming
	}
	if err != nil {
		return false, err
	}
	persistent := http1.Persistent(w.resp.Version, w.resp.Close, w.resp.KeepAlive)
	w.serverEnd = !persistent
	return persistent && w.p.keepAlive, nil
}

// readHead parses the next final response head, skipping interim (1xx)
// responses.
func (w *worker) readHead() error {
	w.parser.Reset()
	for {
		if w.rd < w.wr {
			n, err := w.parser.ParseResponse(w.buf[w.rd:w.wr], &w.resp)
			if err != nil {
				return err
			}
			if n == 0 && !looksLikeHTTP(w.buf[w.rd:w.wr]) {
				return http1.ErrBadStatusLine // do not wait for the end of a head that is not one
			}
			if n > 0 {
				w.rd += n
				if s := w.resp.Status; s >= 200 || s == 101 {
					return nil
				}
				w.parser.Reset() // 100 Continue, 103 Early Hints: the answer follows
				continue
			}
		}
		if err := w.fill(); err != nil {
			return err
		}
	}
}

// fill reads more input after the unread bytes, making room first.
func (w *worker) fill() error {
	switch {
	case w.rd == w.wr:
		w.rd, w.wr = 0, 0
	case w.wr == len(w.buf) && w.rd > 0:
		w.wr = copy(w.buf, w.buf[w.rd:w.wr])
		w.rd = 0
	case w.wr == len(w.buf):
		if len(w.buf) >= maxBuffer {
			return http1.ErrResponseHead
		}
		w.buf = append(w.buf, make([]byte, len(w.buf))...)
	}
	n, err := w.conn.Read(w.buf[w.wr:])
	if n > 0 {
		// One clock reading per read serves both the first-byte time and
		// the end of every response the read completes.
		w.lastRead = time.Now()
		w.wr += n
		w.bytes.Add(int64(n))
		if !w.gotFirst {
			w.gotFirst = true
			record(w.st.firstByte, w.lastRead.Sub(w.sent))
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// skip consumes n body bytes.
func (w *worker) skip(n int64) error {
	for {
		if avail := int64(w.wr - w.rd); avail >= n {
			w.rd += int(n)
			return nil
		} else {
			n -= avail
		}
		w.rd = w.wr
		if err := w.fill(); err != nil {
			return unexpected(err)
		}
	}
}

// skipChunked consumes a chunked body through its trailer section.
func (w *worker) skipChunked() error {
	w.chunk.Reset()
	for {
		_, n, err := w.chunk.Decode(w.buf[w.rd:w.wr])
		w.rd += n
		switch {
		case err != nil:
			return err
		case w.chunk.Done():
			return nil
		case n > 0:
			continue
		}
		if err := w.fill(); err != nil {
			return unexpected(err)
		}
	}
}

// skipToEOF consumes a body that ends when the server closes.
func (w *worker) skipToEOF() error {
	for {
		w.rd = w.wr
		if err := w.fill(); err == io.EOF {
			w.serverEnd = false // its FIN is in already
			return nil
		} else if err != nil {
			return err
		}
	}
}

// unexpected turns an EOF inside a body into ErrUnexpectedEOF, so that
// it is not taken for a close between responses.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
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
