// Package crowd holds many client connections open to a server at once and
// replaces each one that ends: slow-header senders (slowloris: a request head
// that grows by one line per interval and never completes) and keep-alive
// clients (a request now and then on a connection the client closes after a
// set lifetime). It counts how every connection ended and how long the ones
// the server ended had lived, so that a server's header timeout can be read
// from the client side, the same way for every server.
package crowd
