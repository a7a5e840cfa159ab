package holdfast

import (
	"sync/atomic"
	"testing"
)

// sharedCounters counts requests in atomics shared by every connection of
// a server: the approach the shards replace, kept here to measure what
// they save. Every request writes the same cache lines from every core.
type sharedCounters struct {
	requests atomic.Uint64
	reused   atomic.Uint64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
}

// BenchmarkRequestCounting is the counting a request costs, with a
// goroutine per processor serving its own connection: shared-atomics adds
// the server-wide atomics to the connection's own counters; sharded is
// what the server does (the connection's own counters, and the idle time
// before reuse in its loop's histogram).
func BenchmarkRequestCounting(b *testing.B) {
	const in, out = 120, 180 // bytes of a small request and its response
	b.Run("shared-atomics", func(b *testing.B) {
		var shared sharedCounters
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var c conn
			for pb.Next() {
				if c.nreq.Add(1) > 1 {
					shared.reused.Add(1)
				}
				shared.requests.Add(1)
				c.countIn(in)
				shared.bytesIn.Add(in)
				c.countOut(out)
				shared.bytesOut.Add(out)
			}
		})
	})
	b.Run("sharded", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var c conn
			var t tally // the loop's, owned by this goroutine
			idle := uint64(0)
			for pb.Next() {
				c.nreq.Add(1)
				c.countIn(in)
				c.countOut(out)
				idle += 1000
				t.idle.observe(secondsBucket(idle), idle)
			}
		})
	})
}

// BenchmarkGather is the cost of Server.Stats' adding up on a server with
// no connection: the fixed part of a scrape.
func BenchmarkGather(b *testing.B) {
	s := &Server{}
	b.ReportAllocs()
	for b.Loop() {
		s.Stats()
	}
}
