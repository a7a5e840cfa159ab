package bench

import (
	"time"

	"holdfast/internal/http1"
)

// readResponse reads one response, skipping its body, and reports whether
// the connection may carry the next request. Nothing is allocated: the head
// is parsed in place and the body is consumed without being copied.
func (w *worker) readResponse() (keep bool, err error) {
	if err := w.in.ReadHead(); err != nil {
		return false, err
	}
	resp := w.in.Response()
	framing := http1.ResponseFraming(w.p.method, resp)
	if framing == http1.Tunnel {
		return false, errBadFraming
	}
	if err := w.in.ReadBody(framing, nil); err != nil {
		return false, err
	}
	if framing == http1.UntilClose {
		w.serverEnd = false // its FIN is in already
		return false, nil
	}
	persistent := http1.Persistent(resp.Version, resp.Close, resp.KeepAlive)
	w.serverEnd = !persistent
	return persistent && w.p.keepAlive, nil
}

// received accounts for a read of n bytes. One clock reading per read
// serves both the first-byte time and the end of every response the read
// completes.
func (w *worker) received(n int) {
	w.lastRead = time.Now()
	w.bytes.Add(int64(n))
	if !w.gotFirst {
		w.gotFirst = true
		record(w.st.firstByte, w.lastRead.Sub(w.sent))
	}
}
