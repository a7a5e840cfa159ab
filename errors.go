package holdfast

import "errors"

// Errors returned by the package. The "holdfast: " prefix says where they
// come from when they surface in a caller's logs.
var (
	// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown
	// or Close.
	ErrServerClosed = errors.New("holdfast: server closed")

	// ErrHijacked is returned by ResponseWriter methods after Hijack.
	ErrHijacked = errors.New("holdfast: connection has been hijacked")

	// ErrBodyNotAllowed is returned by Write when the status or method
	// does not permit a body (1xx, 204, 304, HEAD).
	ErrBodyNotAllowed = errors.New("holdfast: request method or response status code does not allow body")

	// ErrContentLength is returned by Write when the handler writes more
	// than the Content-Length it declared.
	ErrContentLength = errors.New("holdfast: wrote more than the declared Content-Length")

	// ErrBodyReadAfterClose is returned when a request body is read after
	// the handler returned or closed it.
	ErrBodyReadAfterClose = errors.New("holdfast: invalid Read on closed Body")

	// ErrBodyTooLarge is returned by a request body's Read when the body
	// exceeds Server.MaxBodyBytes; the server answers 413.
	ErrBodyTooLarge = errors.New("holdfast: request body too large")

	// ErrUnknownEngine is returned by ParseEngine.
	ErrUnknownEngine = errors.New("holdfast: unknown engine")

	// ErrUnsupportedScheme is returned by Transport.RoundTrip for a URL
	// whose scheme is neither http nor https.
	ErrUnsupportedScheme = errors.New("holdfast: unsupported protocol scheme")

	// ErrTLSUnsupported is returned by Transport.RoundTrip for https URLs:
	// the Transport speaks HTTP/1.x over plain TCP only, for now.
	ErrTLSUnsupported = errors.New("holdfast: https is not supported by Transport yet (no TLS)")

	// ErrReusedConnClosed is returned (wrapped, with the details) when a
	// request that may not be retried failed on a reused connection before
	// any byte of its response arrived: the server probably closed the
	// idle connection as the request was sent, and may or may not have
	// processed it.
	ErrReusedConnClosed = errors.New("holdfast: reused connection closed by the server before the response")

	// ErrResponseHeaderTimeout is returned when the response head did not
	// arrive within Transport.ResponseHeaderTimeout.
	ErrResponseHeaderTimeout = errors.New("holdfast: timeout awaiting response headers")

	// ErrRequestBodyLength is returned when a request body ends before its
	// declared ContentLength.
	ErrRequestBodyLength = errors.New("holdfast: request body shorter than its ContentLength")

	// ErrUpgradeUnsupported is returned for a 101 (Switching Protocols)
	// response: the Transport does not hand connections over.
	ErrUpgradeUnsupported = errors.New("holdfast: protocol upgrades (101) are not supported by Transport")
)
