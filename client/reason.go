package client

import (
	"holdfast/internal/enum"
	"holdfast/internal/sockopt"
)

// CloseReason says why the Transport closed a connection. Every close has
// exactly one; Stats counts them. Reasons that mean the same as one of
// the server's have the same name (see String).
type CloseReason uint8

const (
	reasonNone CloseReason = iota

	// CloseServer: the server ended the connection or asked for its end:
	// Connection: close, an HTTP/1.0 response without keep-alive, a body
	// delimited by the close, or a FIN where a response was expected.
	CloseServer
	// CloseClient: the request asked for the close (Connection: close,
	// Request.Close).
	CloseClient
	// CloseKeepAliveOff: Transport.DisableKeepAlives is set.
	CloseKeepAliveOff
	// CloseIdleTimeout: the connection was idle for Transport.IdleTimeout.
	CloseIdleTimeout
	// CloseKeepAliveHint: the server's Keep-Alive hint retired the
	// connection: its timeout, less the safety margin, passed while idle,
	// or its max was used up.
	CloseKeepAliveHint
	// CloseMaxRequests: the connection carried
	// Transport.MaxRequestsPerConn requests.
	CloseMaxRequests
	// CloseMaxAge: the connection outlived Transport.MaxAge.
	CloseMaxAge
	// CloseStale: the check before reuse found the pooled connection
	// closed (FIN), reset by the server, or holding bytes nobody asked
	// for (a 408 sent by a server that timed the connection out). A reset
	// that answered our own keepalive probe is ClosePeerReset.
	CloseStale
	// ClosePoolFull: the host already had Transport.MaxIdlePerHost idle
	// connections, or a retry needed the slot under MaxConnsPerHost.
	ClosePoolFull
	// CloseIdleConns: CloseIdleConnections closed it.
	CloseIdleConns
	// CloseCanceled: the request's context ended while the connection was
	// in use.
	CloseCanceled
	// CloseResponseTimeout: the response head did not come within
	// Transport.ResponseHeaderTimeout.
	CloseResponseTimeout
	// CloseUnreadBody: a response body was closed with more left unread
	// than Transport.DrainLimit, or the rest did not come in time.
	CloseUnreadBody
	// CloseProtocolError: the response was malformed, or its framing is
	// not what the head said.
	CloseProtocolError
	// ClosePeerReset: the server reset the connection (ECONNRESET,
	// EPIPE), as a host that rebooted does when probed.
	ClosePeerReset
	// CloseKeepAliveTimeout: TCP keepalive probes went unanswered.
	CloseKeepAliveTimeout
	// CloseUserTimeout: the sent request stayed unacknowledged past
	// Transport.TCPUserTimeout.
	CloseUserTimeout
	// CloseWriteError: writing the request failed for another reason, or
	// the request's own body failed.
	CloseWriteError
	// CloseReadError: reading the response failed for a reason not listed
	// above.
	CloseReadError

	numReasons
)

var reasonNames = [numReasons]string{
	reasonNone:            "none",
	CloseServer:           "server-close",
	CloseClient:           "client-close",
	CloseKeepAliveOff:     "keepalive-off",
	CloseIdleTimeout:      "idle-timeout",
	CloseKeepAliveHint:    "keepalive-hint",
	CloseMaxRequests:      "max-requests",
	CloseMaxAge:           "max-age",
	CloseStale:            "stale",
	ClosePoolFull:         "pool-full",
	CloseIdleConns:        "close-idle",
	CloseCanceled:         "canceled",
	CloseResponseTimeout:  "response-timeout",
	CloseUnreadBody:       "unread-body",
	CloseProtocolError:    "protocol-error",
	ClosePeerReset:        "peer-reset",
	CloseKeepAliveTimeout: "keepalive-timeout",
	CloseUserTimeout:      "user-timeout",
	CloseWriteError:       "write-error",
	CloseReadError:        "read-error",
}

// String is the reason's name, as in JSON: "stale", "peer-reset".
func (r CloseReason) String() string { return enum.Name(reasonNames[:], r, "CloseReason") }

// MarshalText makes reasons readable in JSON, also as map keys.
func (r CloseReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// CloseReasons lists every reason, in a stable order.
func CloseReasons() []CloseReason { return enum.Values(reasonNone+1, numReasons) }

// faultReasons names the socket's verdicts on the server as close reasons.
var faultReasons = [...]CloseReason{
	sockopt.FaultNone:        reasonNone,
	sockopt.FaultClosed:      CloseServer,
	sockopt.FaultReset:       ClosePeerReset,
	sockopt.FaultKeepAlive:   CloseKeepAliveTimeout,
	sockopt.FaultUserTimeout: CloseUserTimeout,
}
