// Package selfsigned makes self-signed TLS certificates in memory: for
// holdfast serve --tls-self-signed, and for tests and benchmarks that need
// a certificate their clients can be told to trust.
package selfsigned
