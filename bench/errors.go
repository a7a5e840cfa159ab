package bench

import "errors"

// Errors returned by Run and Compare. Each says what was wrong in words a
// command line can print as is.
var (
	ErrBadURL       = errors.New("bench: bad URL")
	ErrBadConfig    = errors.New("bench: bad configuration")
	ErrBadHeader    = errors.New("bench: bad header")
	ErrUnreachable  = errors.New("bench: cannot connect")
	ErrTLSHandshake = errors.New("bench: TLS handshake failed")
	ErrNotHTTP      = errors.New("bench: the server did not answer with HTTP/1.x")
)

// Failures inside a run, counted rather than returned: errBadFraming marks
// a response that cannot be delimited (a protocol switch), errStopped a
// request cut off by the end of the run.
var (
	errBadFraming = errors.New("response cannot be delimited")
	errStopped    = errors.New("run stopped")
)
