// Package rawclient is the client side shared by the measuring tools, bench
// and probe: they talk HTTP/1.x over raw TCP (or TLS) connections of their
// own, without the Transport, so that what they measure is the server and
// not a connection pool.
//
// ParseTarget turns the URL a person typed into where to connect and what
// to put in the request line and the Host field, and Target.TLSConfig
// says how to speak TLS to an https one. A Reader reads responses
// from one connection: heads are parsed in place in a buffer it reuses (an
// internal/readbuf Buffer, filled as the Transport fills its own), interim
// (1xx) responses are skipped, and bodies are delimited as
// http1.ResponseFraming says and handed over as slices of the buffer, or
// discarded without being copied. Once the buffer has grown to the largest
// head, reading a response allocates nothing: bench's request path depends
// on that.
//
// The wire protocol itself (parsing, framing, persistence) is
// internal/http1's; this package only adds the socket and the buffer.
package rawclient
