package http1

// Error is a protocol error. Status is the HTTP status code a server answers
// with before it closes the connection.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return "http1: " + e.Msg }

// Request-head errors. Each is a sentinel so that matching on them and
// returning them costs no allocation.
var (
	ErrRequestLineTooLong  = &Error{414, "request line too long"}
	ErrHeadTooLarge        = &Error{431, "request header fields too large"}
	ErrTooManyFields       = &Error{431, "too many header fields"}
	ErrBadRequestLine      = &Error{400, "malformed request line"}
	ErrRequestLineControl  = &Error{400, "control character in request line"}
	ErrBadMethod           = &Error{400, "invalid method"}
	ErrBadTarget           = &Error{400, "invalid request target"}
	ErrTargetFragment      = &Error{400, "fragment in request target"}
	ErrTargetUserinfo      = &Error{400, "userinfo in request target"}
	ErrBadVersion          = &Error{400, "malformed HTTP version"}
	ErrVersionNotSupported = &Error{505, "HTTP version not supported"}
	ErrBareLF              = &Error{400, "bare LF line terminator"}
	ErrBareCR              = &Error{400, "bare CR"}
	ErrBadFieldName        = &Error{400, "invalid header field name"}
	ErrSpaceBeforeColon    = &Error{400, "whitespace between header field name and colon"}
	ErrBadFieldValue       = &Error{400, "invalid character in header field value"}
	ErrObsFold             = &Error{400, "obsolete line folding"}
	ErrMissingHost         = &Error{400, "missing Host header"}
	ErrDuplicateHost       = &Error{400, "more than one Host header"}
	ErrBadHost             = &Error{400, "invalid Host header"}
	ErrBadContentLength    = &Error{400, "invalid Content-Length"}
	ErrConflictingLength   = &Error{400, "conflicting Content-Length values"}
	ErrLengthAndEncoding   = &Error{400, "both Content-Length and Transfer-Encoding"}
	ErrChunkedNotFinal     = &Error{400, "chunked is not the final transfer coding"}
	ErrChunkedTwice        = &Error{400, "chunked applied more than once"}
	ErrEncodingInHTTP10    = &Error{400, "Transfer-Encoding in an HTTP/1.0 message"}
	ErrUnknownEncoding     = &Error{501, "unsupported transfer coding"}
)

// Response-head errors (seen by clients: the Transport, probe and bench).
var (
	ErrBadStatusLine             = &Error{502, "malformed status line"}
	ErrResponseHead              = &Error{502, "response header too large"}
	ErrStatusLineTooLong         = &Error{502, "status line too long"}
	ErrResponseTooManyFields     = &Error{502, "too many response header fields"}
	ErrResponseVersion           = &Error{502, "unsupported HTTP version in response"}
	ErrResponseBareLF            = &Error{502, "bare LF line terminator in response"}
	ErrResponseBareCR            = &Error{502, "bare CR in response"}
	ErrBadResponseField          = &Error{502, "invalid response header field"}
	ErrBadResponseLength         = &Error{502, "invalid Content-Length in response"}
	ErrConflictingResponseLength = &Error{502, "conflicting Content-Length values in response"}
	ErrResponseLengthAndEncoding = &Error{502, "both Content-Length and Transfer-Encoding in response"}
	ErrResponseEncodingInHTTP10  = &Error{502, "Transfer-Encoding in an HTTP/1.0 response"}
	ErrResponseChunkedTwice      = &Error{502, "chunked applied more than once in response"}
)

// Chunked-body errors.
var (
	ErrBadChunkSize      = &Error{400, "invalid chunk size"}
	ErrChunkTooLarge     = &Error{400, "chunk size overflows"}
	ErrBadChunkExtension = &Error{400, "invalid chunk extension"}
	ErrBadChunkEnd       = &Error{400, "chunk data not followed by CRLF"}
	ErrChunkExtTooLarge  = &Error{400, "chunk extensions too large"}
	ErrTrailerTooLarge   = &Error{431, "trailer section too large"}
	ErrBadTrailer        = &Error{400, "invalid trailer field"}
)
