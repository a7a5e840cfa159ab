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

	// ErrNoCertificate is returned by ServeTLS and ListenAndServeTLS when
	// neither the files nor Server.TLSConfig give a certificate.
	ErrNoCertificate = errors.New("holdfast: TLS needs a certificate: no files given and none in Server.TLSConfig")

	// ErrUnknownEngine is returned by ParseEngine.
	ErrUnknownEngine = errors.New("holdfast: unknown engine")
)

// errWouldBlock is the loop's "no bytes yet": a temporary net.Error.
var errWouldBlock error = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "holdfast: no bytes yet (would block)" }
func (wouldBlockError) Timeout() bool   { return false }
func (wouldBlockError) Temporary() bool { return true }
