// Package launch starts and stops the processes a benchmark measures: a
// server pinned to a CPU with taskset, given an open-file limit with
// prlimit, its output kept for error messages. nginx's configuration and
// command line come from holdfast/internal/testrig, which holdfast's tests
// use too; cmd/harness runs it through this package like any other server.
package launch
