// Package testrig is what holdfast's tests share beyond the standard
// library: the goroutine-leak check, an nginx peer and a relay that delays
// traffic as a network would.
//
// The leak check is go.uber.org/goleak. Every package's TestMain calls
// goleak.VerifyTestMain; [CheckLeaks] adds a check at the end of one test,
// for tests that start servers and clients of their own.
//
// The peers are written twice over: as plain functions that return an
// error ([RunNginx], [ListenRelay]) and the caller stops, for the
// benchmark commands under compare/, and as test helpers ([StartNginx],
// [NewRelay]) that skip or fail the test and stop the peer when it ends.
//
// The package is internal, yet compare/ (a module of its own) imports it:
// Go allows an internal package to be imported by any package whose import
// path is rooted at the internal directory's parent, here "holdfast", and
// compare's packages are "holdfast/compare/...". So one launcher serves the
// tests and the benchmarks without adding a public package to holdfast.
package testrig
