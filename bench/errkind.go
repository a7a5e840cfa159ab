package bench

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"holdfast/internal/http1"
)

// ErrorKind sorts failed requests by what went wrong, as a person debugging
// a server needs to know it: refused and reset point at different causes.
type ErrorKind uint8

const (
	ConnectRefused ErrorKind = iota // nothing listens, or the backlog overflowed
	ConnectTimeout                  // the TCP handshake did not finish in time
	ConnectError                    // any other failure to connect
	TLSError                        // the TLS handshake failed
	Timeout                         // no complete response within the timeout
	Reset                           // the server reset the connection (RST, EPIPE)
	ClosedEarly                     // the server closed before the response was complete
	BadResponse                     // the response was not valid HTTP/1.x
	OtherError                      // anything else

	numKinds
)

var kindNames = [numKinds]string{
	ConnectRefused: "connect refused",
	ConnectTimeout: "connect timeout",
	ConnectError:   "connect error",
	TLSError:       "tls handshake",
	Timeout:        "timeout",
	Reset:          "reset",
	ClosedEarly:    "closed early",
	BadResponse:    "bad response",
	OtherError:     "other",
}

// kindKeys are the JSON spellings.
var kindKeys = [numKinds]string{
	ConnectRefused: "connect_refused",
	ConnectTimeout: "connect_timeout",
	ConnectError:   "connect_error",
	TLSError:       "tls_handshake",
	Timeout:        "timeout",
	Reset:          "reset",
	ClosedEarly:    "closed_early",
	BadResponse:    "bad_response",
	OtherError:     "other",
}

func (k ErrorKind) String() string { return kindNames[k] }

// connectKind classifies a dial error.
func connectKind(err error) ErrorKind {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ConnectRefused
	case errors.As(err, &ne) && ne.Timeout():
		return ConnectTimeout
	}
	return ConnectError
}

// requestKind classifies an error met while sending a request or reading
// its response.
func requestKind(err error) ErrorKind {
	var perr *http1.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClosedEarly
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return Reset
	case errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.As(err, &perr), errors.Is(err, errBadFraming):
		return BadResponse
	}
	return OtherError
}

// rootCause strips the "dial tcp a:b: connect:" layers off a network error,
// leaving what a person acts on ("connection refused").
func rootCause(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
