package proxy

import (
	"io"
	"net/http"
	"sync"
)

// respond passes the upstream's answer to the client: head, body as it
// streams, trailers. An upstream that fails mid-body leaves the client
// with a body that visibly breaks off (the connection is aborted), never
// one that looks complete.
func (f *forward) respond(w http.ResponseWriter, resp *http.Response, u *upstream) {
	defer u.inFlight.Add(-1)
	defer resp.Body.Close()
	responseHeader(w.Header(), resp)
	w.WriteHeader(resp.StatusCode)
	if resp.Body == http.NoBody {
		return
	}
	switch err := copyBody(w, resp.Body); err.(type) {
	case nil:
	case upstreamReadError:
		u.badGateway.Add(1)
		f.p.cfg.log.Error("proxy: upstream failed mid-body", "method", f.in.Method, "target", f.in.URL.RequestURI(),
			"upstream", u.name, "reused", f.reused, "err", err)
		panic(http.ErrAbortHandler)
	default:
		return // the client went away; closing the body closes or drains the upstream's side
	}
	for k, vs := range resp.Trailer {
		w.Header()[http.TrailerPrefix+k] = vs
	}
}

// upstreamReadError is a failed read of the upstream's body, as opposed
// to a failed write to the client.
type upstreamReadError struct{ error }

func (e upstreamReadError) Unwrap() error { return e.error }

// copyBufferSize is what one read of an upstream body asks for.
const copyBufferSize = 32 << 10

var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}

// copyBody streams body to w. Whatever the upstream sent is written at
// once; it is flushed to the client when the read came back short (the
// upstream has sent nothing more yet), so a response that trickles (server
// events, a long poll) reaches the client as it comes, while one that
// arrives whole with its end leaves in one write with its head.
func copyBody(w http.ResponseWriter, body io.Reader) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	flusher, _ := w.(http.Flusher)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if rerr == nil && n < len(buf) && flusher != nil {
				flusher.Flush()
			}
		}
		switch {
		case rerr == io.EOF:
			return nil
		case rerr != nil:
			return upstreamReadError{rerr}
		}
	}
}
