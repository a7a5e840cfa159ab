package holdfast

import (
	"net/http"

	"holdfast/internal/sockopt"
)

func (c *loopConn) sockOptions() (sockopt.Options, error) { return sockopt.ReadFD(c.fd) }

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
