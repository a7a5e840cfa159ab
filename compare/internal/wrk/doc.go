// Package wrk reads the text that `wrk --latency` prints. wrk has no machine
// output format without a Lua reporter, and a reporter script would replace
// the pipelining script, so the harness parses the human summary instead.
package wrk
