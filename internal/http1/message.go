package http1

// Version is an HTTP/1.x protocol version. A message that says HTTP/1.2 or any
// higher minor version is handled as HTTP/1.1 (RFC 9110 §6.2); other major
// versions are refused with 505.
type Version uint8

const (
	HTTP10 Version = 10
	HTTP11 Version = 11
)

func (v Version) String() string {
	if v == HTTP10 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// TargetForm is the form of a request target (RFC 9112 §3.2).
type TargetForm uint8

const (
	OriginForm    TargetForm = iota // "/path?query"
	AbsoluteForm                    // "http://host/path", as sent to proxies
	AuthorityForm                   // "host:port", CONNECT only
	AsteriskForm                    // "*", OPTIONS only
)

// Field is one header (or trailer) field as received: the name with its case
// preserved, the value with leading and trailing whitespace removed. Both point
// into the parsed buffer.
type Field struct {
	Name  []byte
	Value []byte
}

// Limits bound what a parser accepts. Zero fields take the defaults below.
type Limits struct {
	MaxRequestLine int // bytes in the request line, CRLF excluded; beyond it: 414
	MaxHeadBytes   int // bytes in the whole head, request line included; beyond it: 431
	MaxFields      int // number of header fields; beyond it: 431
}

// Defaults for Limits. 8 KiB per request line matches nginx's
// large_client_header_buffers; 64 KiB of head leaves room for large cookies;
// 128 fields is far above what browsers send (about 15-25).
const (
	DefaultMaxRequestLine = 8 << 10
	DefaultMaxHeadBytes   = 64 << 10
	DefaultMaxFields      = 128
)

// Request is a parsed request head. Reset it (or reuse it through Parser) for
// the next request: its Fields slice keeps its capacity, so steady-state
// parsing allocates nothing.
type Request struct {
	Method  []byte
	Target  []byte
	Form    TargetForm
	Version Version
	Fields  []Field

	// Derived from the fields while parsing, so that no caller scans twice.
	Host          []byte // the Host field's value; nil when absent
	ContentLength int64  // -1 when there is no Content-Length field
	Chunked       bool   // Transfer-Encoding ends in chunked (the only coding accepted)
	Close         bool   // Connection has the "close" token
	KeepAlive     bool   // Connection has the "keep-alive" token
	Upgrade       bool   // Connection has the "upgrade" token
	Expect100     bool   // Expect: 100-continue
	ExpectOther   bool   // an Expect value other than 100-continue (answer 417)
}

// Reset clears r for reuse, keeping the Fields capacity.
func (r *Request) Reset() {
	fields := r.Fields[:0]
	*r = Request{Fields: fields, ContentLength: -1}
}

// Response is a parsed response head.
type Response struct {
	Version Version
	Status  int
	Reason  []byte
	Fields  []Field

	ContentLength int64 // -1 when there is no Content-Length field
	Chunked       bool  // Transfer-Encoding ends in chunked
	OtherEncoding bool  // Transfer-Encoding present but chunked is not final: body is close-delimited
	Close         bool  // Connection has the "close" token
	KeepAlive     bool  // Connection has the "keep-alive" token

	// From a Keep-Alive field (RFC 2068 §19.7.1, still sent by servers):
	// -1 when not advertised.
	KeepAliveTimeout int // seconds
	KeepAliveMax     int // requests
}

// Reset clears r for reuse, keeping the Fields capacity.
func (r *Response) Reset() {
	fields := r.Fields[:0]
	*r = Response{Fields: fields, ContentLength: -1, KeepAliveTimeout: -1, KeepAliveMax: -1}
}

// Framing says how a message body is delimited (RFC 9112 §6.3).
type Framing uint8

const (
	NoBody     Framing = iota // no body at all
	Length                    // exactly ContentLength bytes
	Chunked                   // chunked transfer coding
	UntilClose                // the body ends when the connection closes (responses only)
	Tunnel                    // after a 2xx to CONNECT or a 101: the connection is no longer HTTP
)
