// Package http1 is the HTTP/1.x wire protocol as pure functions over bytes.
//
// Nothing here performs I/O or starts goroutines: callers (the server's
// engines, the Transport, the probe and bench tools) own their buffers and
// sockets and feed bytes in. Parsed messages point into the caller's buffer,
// so parsing a request head allocates nothing; the slices are valid until the
// caller reuses the buffer.
//
// The rules follow RFC 9110 (semantics) and RFC 9112 (HTTP/1.1 messaging).
// Where the RFCs allow a choice the parser takes the strict one, because a
// lenient origin behind a strict intermediary (or the reverse) is how request
// smuggling happens: bare LF and bare CR are errors, obs-fold is an error,
// whitespace before a field's colon is an error, Content-Length together with
// Transfer-Encoding is an error.
package http1
