// Package launch starts and stops the processes a benchmark measures: a
// server pinned to a CPU with taskset, given an open-file limit with
// prlimit, its output kept for error messages; and nginx, configured from
// compare's template in a temp dir it owns. cmd/harness and cmd/clientbench
// share it so that both start their servers the same way.
package launch
