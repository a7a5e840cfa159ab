package proxy

import (
	"io"
	"net/http"
	"strings"
)

// replayBody is a client's request body on its way upstream, kept as it
// streams (up to a limit) so that the request can be sent again while
// everything read of it is kept. It is never read whole before it is
// sent: the upstream reads it at its pace, and the client is read at
// that pace. It is used by one request's goroutine at a time.
type replayBody struct {
	src   io.ReadCloser // the client's body; the server closes it
	kept  []byte        // the bytes read from src, while not over
	read  int64         // bytes read from src
	limit int64
	over  bool  // more than limit was read: no replay
	err   error // the client's body failed (not io.EOF): the client is to blame

	// The client's trailers, received with the end of its body, go into
	// the upstream request's Trailer, which the Transport writes after the
	// body.
	in  *http.Request
	out http.Header
}

// replayReader is one sending of the body: it reads the kept bytes, then
// the client's.
type replayReader struct {
	b   *replayBody
	pos int64 // bytes of the body this sending has read
}

func newReplayBody(r *http.Request, limit int64, trailer http.Header) *replayBody {
	return &replayBody{src: r.Body, limit: limit, in: r, out: trailer}
}

// reader starts a sending, or fails when what was read is no longer kept.
func (b *replayBody) reader() (io.ReadCloser, error) {
	if b.over {
		return nil, errNotReplayable
	}
	return &replayReader{b: b}, nil
}

// replayable reports whether the body may be sent again.
func (b *replayBody) replayable() bool { return !b.over }

func (r *replayReader) Read(p []byte) (int, error) {
	b := r.b
	if r.pos < b.read { // behind an earlier sending: from what was kept
		if b.over {
			return 0, errNotReplayable
		}
		n := copy(p, b.kept[r.pos:])
		r.pos += int64(n)
		return n, nil
	}
	n, err := b.src.Read(p)
	b.keep(p[:n])
	b.read += int64(n)
	r.pos += int64(n)
	switch {
	case err == io.EOF:
		b.passTrailers()
	case err != nil:
		b.err = err
	}
	return n, err
}

// Close leaves the client's body alone: the server drains or closes it.
func (r *replayReader) Close() error { return nil }

func (b *replayBody) keep(p []byte) {
	if b.over || len(p) == 0 {
		return
	}
	if int64(len(b.kept)+len(p)) > b.limit {
		b.over, b.kept = true, nil
		return
	}
	b.kept = append(b.kept, p...)
}

func (b *replayBody) passTrailers() {
	for k, vs := range b.in.Trailer {
		b.out[k] = vs
	}
}

// declaredTrailers is the upstream request's Trailer map for a chunked
// body: the fields the client declared, with their values to come.
func declaredTrailers(h http.Header) http.Header {
	t := make(http.Header)
	for _, v := range h["Trailer"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				t[http.CanonicalHeaderKey(name)] = nil
			}
		}
	}
	return t
}
