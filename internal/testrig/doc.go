// Package testrig is what holdfast's tests share beyond the standard
// library: the goroutine-leak check, an nginx peer and a relay that delays
// traffic as a network would.
//
// The leak check is go.uber.org/goleak. Every package's TestMain calls
// goleak.VerifyTestMain; [CheckLeaks] adds a check at the end of one test,
// for tests that start servers and clients of their own.
//
// Each peer has two entry points: a plain function that returns an error
// and a peer its caller stops ([RunNginx], [ListenRelay]), for the
// benchmark commands under compare/, and a test helper over it
// ([StartNginx], [NewRelay]) that skips or fails the test and stops the
// peer when the test ends.
//
// [StartLoad] is a steady keep-alive load through net/http's Transport
// that counts failures and resets, for tests of a server that stops or
// hands its sockets over while it is served.
//
// The package is internal, yet compare/ (a module of its own) imports it:
// Go allows an internal package to be imported by any package whose import
// path is rooted at the internal directory's parent, here "holdfast", and
// compare's packages are "holdfast/compare/...". So one launcher serves the
// tests and the benchmarks without adding a public package to holdfast.
package testrig
