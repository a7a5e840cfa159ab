package holdfast

import (
	"net/http"

	"holdfast/internal/sockopt"
)

func (c *loopConn) sockOptions() (sockopt.Options, error) { return sockopt.ReadFD(c.fd) }

// ServedInline reports whether the handler of r runs inline on its epoll
// loop's goroutine (false on the goroutine engine).
func ServedInline(r *http.Request) bool {
	c := r.Context().Value(connSelfKey{}).(*conn)
	lc, ok := c.ex.wire.(*loopConn)
	return ok && lc.inlined
}

// Offloaded is how many offloaded handlers the server's loops count.
func Offloaded(s *Server) int {
	n := 0
	for _, l := range s.loops() {
		n += int(l.offloads.Load())
	}
	return n
}

// TLSCarrier says what carries the TLS records of the connection that
// carried r: "records" (the engine's record layer), "crypto/tls", or ""
// when it is not an epoll TLS connection.
func TLSCarrier(r *http.Request) string {
	c := r.Context().Value(connSelfKey{}).(*conn)
	s, ok := c.ex.wire.(*tlsSession)
	switch {
	case !ok:
		return ""
	case s.records != nil:
		return "records"
	}
	return "crypto/tls"
}

// CipherKeep is how long an idle epoll TLS connection keeps its AEADs.
const CipherKeep = cipherKeep
