package client

import "errors"

// Errors returned by the package. The "holdfast/client: " prefix says
// where they come from when they surface in a caller's logs.
var (
	// ErrUnsupportedScheme is returned by Transport.RoundTrip for a URL
	// whose scheme is neither http nor https.
	ErrUnsupportedScheme = errors.New("holdfast/client: unsupported protocol scheme")

	// ErrUnsupportedProxy is returned (wrapped) when Transport.Proxy gives
	// a proxy that is not an http:// one.
	ErrUnsupportedProxy = errors.New("holdfast/client: unsupported proxy (http:// proxies only)")

	// ErrProxyRefused is returned (wrapped, with the proxy's status) when
	// a proxy does not open the tunnel an https:// request asks for.
	ErrProxyRefused = errors.New("holdfast/client: the proxy refused the CONNECT tunnel")

	// ErrReusedConnClosed is returned (wrapped, with the details) when a
	// request that may not be retried failed on a reused connection before
	// any byte of its response arrived: the server probably closed the
	// idle connection as the request was sent, and may or may not have
	// processed it.
	ErrReusedConnClosed = errors.New("holdfast/client: reused connection closed by the server before the response")

	// ErrResponseHeaderTimeout is returned when the response head did not
	// arrive within Transport.ResponseHeaderTimeout.
	ErrResponseHeaderTimeout = errors.New("holdfast/client: timeout awaiting response headers")

	// ErrRequestBodyLength is returned when a request body ends before its
	// declared ContentLength.
	ErrRequestBodyLength = errors.New("holdfast/client: request body shorter than its ContentLength")

	// ErrUpgradeUnsupported is returned for a 101 (Switching Protocols)
	// response: the Transport does not hand connections over.
	ErrUpgradeUnsupported = errors.New("holdfast/client: protocol upgrades (101) are not supported by Transport")

	// ErrBodyReadAfterClose is returned by a response body's Read after
	// Close, and by a Read that Close interrupted.
	ErrBodyReadAfterClose = errors.New("holdfast/client: invalid Read on closed Body")
)

// Errors that stay inside the package, or that callers see only in the
// text of a wrapping error.
var (
	errNilURL         = errors.New("holdfast/client: nil Request.URL")
	errNoHost         = errors.New("holdfast/client: no Host in request URL")
	errReplayBody     = errors.New("holdfast/client: replaying the request body")
	errReused408      = errors.New("holdfast/client: 408 on a reused connection")
	errTunnel         = errors.New("holdfast/client: tunnels are not supported")
	errTooManyInterim = errors.New("holdfast/client: too many interim (1xx) responses")

	// errHostGone tells RoundTrip that the host's pool was dropped from the
	// Transport's map while it was being used: look it up again.
	errHostGone = errors.New("holdfast/client: host pool dropped")

	// errNotPooled is what the PutIdleConn hook gets for a connection that
	// was closed instead of pooled.
	errNotPooled = errors.New("holdfast/client: connection not kept")
)
