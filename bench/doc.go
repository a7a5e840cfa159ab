// Package bench is the load generator behind "holdfast bench": it drives an
// HTTP/1.x server over raw TCP connections, with persistent connections or
// a new connection per request, and measures what each costs.
//
// One goroutine drives each connection. Request bytes are built once, the
// read buffer and the response parser are reused, and each goroutine keeps
// its own counters and HDR histograms, merged when the run ends, so the
// request path takes no lock and allocates nothing. A reporter goroutine
// samples the per-connection counters once a second for the progress line
// and the throughput timeline.
//
// With a fixed arrival rate (Config.Rate) each request has an intended send
// time and its latency is measured from that time, not from when it was
// actually sent, so a stalled server cannot hide its stall by slowing the
// load down (coordinated omission).
package bench
