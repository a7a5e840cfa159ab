package http1

// Persistent reports whether a connection stays open after a message with
// version v and Connection tokens close and keepAlive (RFC 9112 §9.3):
// HTTP/1.1 persists unless "close" is sent; HTTP/1.0 only with "keep-alive",
// and "close" wins over "keep-alive" if both are sent.
func Persistent(v Version, close, keepAlive bool) bool {
	if close {
		return false
	}
	return v == HTTP11 || keepAlive
}

// RequestFraming says how a parsed request's body is delimited (RFC 9112
// §6.3): a request without chunked or a positive Content-Length has no body,
// never a close-delimited one.
func RequestFraming(r *Request) Framing {
	switch {
	case r.Chunked:
		return Chunked
	case r.ContentLength > 0:
		return Length
	}
	return NoBody
}

// ResponseFraming says how the body of response r to a request with method
// is delimited (RFC 9112 §6.3), in the RFC's order of precedence:
//
//  1. a 101, or a 2xx to CONNECT, ends HTTP on the connection: Tunnel;
//  2. a response to HEAD, any other 1xx, 204 and 304 have no body;
//  3. Transfer-Encoding ending in chunked: Chunked; any other coding: UntilClose;
//  4. Content-Length: Length, or NoBody when it is 0;
//  5. otherwise the body runs until the server closes: UntilClose.
func ResponseFraming(method string, r *Response) Framing {
	switch {
	case r.Status == 101, method == "CONNECT" && r.Status >= 200 && r.Status < 300:
		return Tunnel
	case method == "HEAD", r.Status < 200, r.Status == 204, r.Status == 304:
		return NoBody
	case r.Chunked:
		return Chunked
	case r.OtherEncoding:
		return UntilClose
	case r.ContentLength > 0:
		return Length
	case r.ContentLength == 0:
		return NoBody
	}
	return UntilClose
}
