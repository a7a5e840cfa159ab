package holdfast

import "fmt"

// ConnState is where a server connection is in its life. Both engines move
// connections through the same states, through conn.setState.
type ConnState uint8

const (
	// StateNew is a connection just accepted, before any byte of a request.
	// Next: StateReadingHead, StateHandling (a head that arrives in one
	// read skips StateReadingHead), StateClosing.
	StateNew ConnState = iota

	// StateReadingHead: bytes of a request head have arrived but not all of
	// it; the header timeout runs. Next: StateHandling, StateClosing.
	StateReadingHead

	// StateReadingBody: the handler (or the server draining what the
	// handler left unread) waits for request body bytes.
	// Next: StateHandling, StateWriting, StateIdle, StateReadingHead, StateClosing.
	StateReadingBody

	// StateHandling: the handler runs.
	// Next: StateReadingBody, StateWriting, StateHijacked, StateClosing.
	StateHandling

	// StateWriting: response bytes are being written to the socket, while
	// the handler runs (a flush) or after it returned.
	// Next: StateHandling, StateReadingBody, StateIdle, StateReadingHead, StateClosing.
	StateWriting

	// StateIdle: the connection is kept alive, waiting for the next
	// request; the hold time runs. Next: StateReadingHead, StateHandling,
	// StateClosing.
	StateIdle

	// StateClosing: the server decided to close and is flushing and
	// closing the socket. Next: StateClosed.
	StateClosing

	// StateClosed: the socket is closed. Terminal.
	StateClosed

	// StateHijacked: a handler took the socket over with http.Hijacker;
	// the server no longer tracks it. Terminal.
	StateHijacked

	numStates
)

var stateNames = [numStates]string{
	StateNew:         "new",
	StateReadingHead: "reading-head",
	StateReadingBody: "reading-body",
	StateHandling:    "handling",
	StateWriting:     "writing",
	StateIdle:        "idle",
	StateClosing:     "closing",
	StateClosed:      "closed",
	StateHijacked:    "hijacked",
}

func (s ConnState) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("ConnState(%d)", uint8(s))
}

// MarshalText makes states readable in JSON.
func (s ConnState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// CloseReason says why a connection was closed. Every close has exactly one.
type CloseReason uint8

const (
	reasonNone CloseReason = iota

	// CloseClient: the client ended the connection — it closed its side
	// (FIN) between requests, or asked for the close (Connection: close,
	// or an HTTP/1.0 request without keep-alive).
	CloseClient
	// CloseIdleTimeout: the hold time passed with no new request.
	CloseIdleTimeout
	// CloseHeaderTimeout: a started request head did not complete in time
	// (answered 408).
	CloseHeaderTimeout
	// CloseMaxRequests: the connection served Policy.MaxRequests requests.
	CloseMaxRequests
	// CloseMaxAge: the connection outlived Policy.MaxAge.
	CloseMaxAge
	// CloseShutdown: the server is shutting down.
	CloseShutdown
	// CloseProtocolError: the request was malformed (answered 4xx/5xx).
	CloseProtocolError
	// ClosePeerReset: the peer reset the connection (ECONNRESET, EPIPE),
	// as a host that rebooted does when probed.
	ClosePeerReset
	// CloseKeepAliveTimeout: TCP keepalive probes went unanswered.
	CloseKeepAliveTimeout
	// CloseUserTimeout: sent data stayed unacknowledged past
	// TCP_USER_TIMEOUT.
	CloseUserTimeout
	// CloseWriteError: writing the response failed for another reason.
	CloseWriteError
	// CloseHandlerPanic: the handler panicked (answered 500 if nothing was
	// sent yet).
	CloseHandlerPanic
	// CloseKeepAliveOff: the policy turns keep-alive off.
	CloseKeepAliveOff
	// CloseHandler: the handler asked for the close (Connection: close on
	// its response), or its response could only be delimited by closing
	// (no length, to an HTTP/1.0 client), or it left the framing broken
	// (fewer bytes than its Content-Length).
	CloseHandler
	// CloseUnreadBody: the handler left more of the request body unread
	// than Policy.DrainLimit, or the client waited for 100-continue that
	// was never sent.
	CloseUnreadBody
	// CloseBodyTimeout: the request body stalled past Policy.BodyTimeout.
	CloseBodyTimeout
	// CloseSendTimeout: the client stopped reading; a write made no
	// progress for Policy.SendTimeout.
	CloseSendTimeout
	// CloseReadError: reading failed for a reason not listed above.
	CloseReadError

	// CloseServer (client side): the server ended the connection or asked
	// for its end: Connection: close, an HTTP/1.0 response without
	// keep-alive, or a body delimited by the close.
	CloseServer
	// CloseStale (client side): the check before reuse found the pooled
	// connection closed (FIN), reset by the server, or holding bytes nobody
	// asked for (a 408 sent by a server that timed the connection out). A
	// reset that answered our own keepalive probe is ClosePeerReset.
	CloseStale
	// CloseKeepAliveHint (client side): the server's Keep-Alive hint
	// retired the connection: its timeout, less the safety margin, passed
	// while idle, or its max was used up.
	CloseKeepAliveHint
	// CloseCanceled (client side): the request's context ended while the
	// connection was in use.
	CloseCanceled
	// CloseResponseTimeout (client side): the response head did not come
	// within Transport.ResponseHeaderTimeout.
	CloseResponseTimeout
	// ClosePoolFull (client side): the host already had
	// Transport.MaxIdlePerHost idle connections.
	ClosePoolFull
	// CloseIdleConns (client side): CloseIdleConnections closed it.
	CloseIdleConns

	numReasons
)

var reasonNames = [numReasons]string{
	reasonNone:            "none",
	CloseClient:           "client-close",
	CloseIdleTimeout:      "idle-timeout",
	CloseHeaderTimeout:    "header-timeout",
	CloseMaxRequests:      "max-requests",
	CloseMaxAge:           "max-age",
	CloseShutdown:         "shutdown",
	CloseProtocolError:    "protocol-error",
	ClosePeerReset:        "peer-reset",
	CloseKeepAliveTimeout: "keepalive-timeout",
	CloseUserTimeout:      "user-timeout",
	CloseWriteError:       "write-error",
	CloseHandlerPanic:     "handler-panic",
	CloseKeepAliveOff:     "keepalive-off",
	CloseHandler:          "handler-close",
	CloseUnreadBody:       "unread-body",
	CloseBodyTimeout:      "body-timeout",
	CloseSendTimeout:      "send-timeout",
	CloseReadError:        "read-error",
	CloseServer:           "server-close",
	CloseStale:            "stale",
	CloseKeepAliveHint:    "keepalive-hint",
	CloseCanceled:         "canceled",
	CloseResponseTimeout:  "response-timeout",
	ClosePoolFull:         "pool-full",
	CloseIdleConns:        "close-idle",
}

func (r CloseReason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("CloseReason(%d)", uint8(r))
}

// MarshalText makes reasons readable in JSON, also as map keys.
func (r CloseReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// CloseReasons lists every reason, in a stable order.
func CloseReasons() []CloseReason {
	rs := make([]CloseReason, 0, numReasons-1)
	for r := CloseClient; r < numReasons; r++ {
		rs = append(rs, r)
	}
	return rs
}
