package holdfast

import "holdfast/internal/enum"

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

	// StateHandling: the handler runs (on HTTP/2, at least one stream's).
	// Next: StateReadingBody, StateWriting, StateHijacked, StateClosing,
	// StateIdle (an HTTP/2 connection whose last stream ended).
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

// allowedNext lists, per state, the states it may move to: the transitions
// documented on ConnState. setState counts any other move.
var allowedNext = [numStates]uint16{
	StateNew:         stateSet(StateReadingHead, StateHandling, StateClosing),
	StateReadingHead: stateSet(StateHandling, StateClosing),
	StateReadingBody: stateSet(StateHandling, StateWriting, StateIdle, StateReadingHead, StateClosing),
	StateHandling:    stateSet(StateReadingBody, StateWriting, StateHijacked, StateClosing, StateIdle),
	StateWriting:     stateSet(StateHandling, StateReadingBody, StateIdle, StateReadingHead, StateClosing),
	StateIdle:        stateSet(StateReadingHead, StateHandling, StateClosing),
	StateClosing:     stateSet(StateClosed),
}

func stateSet(states ...ConnState) uint16 {
	var b uint16
	for _, s := range states {
		b |= 1 << s
	}
	return b
}

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

func (s ConnState) String() string { return enum.Name(stateNames[:], s, "ConnState") }

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
	// CloseHandshakeError: the TLS handshake failed (not TLS, a plain
	// HTTP request, no certificate for the name asked, no protocol or
	// cipher in common, the client gave up).
	CloseHandshakeError
	// CloseHandshakeTimeout: the TLS handshake did not complete within
	// Policy.HandshakeTimeout.
	CloseHandshakeTimeout
	// CloseShed: an idle keep-alive connection closed to make room for a
	// new one, at Policy.MaxConns or when the process ran out of file
	// descriptors.
	CloseShed
	// CloseIPLimit: the client's address had Policy.MaxConnsPerIP
	// connections open already (answered 429).
	CloseIPLimit
	// CloseSlowBody: the request body arrived slower than
	// Policy.MinBodyRate (answered 408 if nothing was sent yet).
	CloseSlowBody

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
	CloseHandshakeError:   "tls-handshake-error",
	CloseHandshakeTimeout: "tls-handshake-timeout",
	CloseShed:             "shed",
	CloseIPLimit:          "ip-limit",
	CloseSlowBody:         "slow-body",
}

func (r CloseReason) String() string { return enum.Name(reasonNames[:], r, "CloseReason") }

// MarshalText makes reasons readable in JSON, also as map keys.
func (r CloseReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// CloseReasons lists every reason, in a stable order.
func CloseReasons() []CloseReason { return enum.Values(reasonNone+1, numReasons) }
