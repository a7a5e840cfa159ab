// Package procstat reads a process tree's CPU time and resident memory from
// /proc. The harness measures servers from outside, the same way for every
// server, instead of trusting each server's own counters.
package procstat
