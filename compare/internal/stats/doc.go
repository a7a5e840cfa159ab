// Package stats summarizes repeated measurements. The harness reports the
// median (robust to one disturbed round) with the min and max beside it, so
// a reader sees the spread instead of a single number.
package stats
