package holdfast

import (
	"sync/atomic"
	"time"
)

// How a server counts: every figure lives in a shard that one owner
// writes, and Server.Stats adds the shards up when it is called (a
// gather). An epoll loop's shard is written by the loop alone, in plain
// fields; the goroutine engine spreads its connections over connShards,
// each with a lock taken as a connection comes and goes. What grows per
// request (requests, bytes) is kept only on the connection's own record,
// which its server goroutine alone writes, and enters a shard when the
// connection closes; a gather adds the open connections' figures to the
// closed ones'. Serving a request thus touches no counter shared across
// the server, and every total a gather returns is monotonic: a
// connection leaves the set of open ones and adds its figures to its
// shard in one step of the shard's owner.

// tally is one shard's counts.
type tally struct {
	accepted uint64
	hijacked uint64
	closed   [numReasons]uint64

	// Sums over the connections that left the shard (closed or
	// hijacked); a gather adds the open ones'.
	requests, reused, bytesIn, bytesOut uint64

	perConn  histogram // requests per closed connection
	duration histogram // closed connections' lifetimes, ns
	idle     histogram // idle time before a reuse, ns (epoll loops; connShards keep an atomic one)
}

// gathered is what a gather adds up: the shards' tallies and the open
// connections' figures.
type gathered struct {
	tally
	open [numStates]int64
}

// add adds another shard's tally.
func (t *tally) add(o *tally) {
	t.accepted += o.accepted
	t.hijacked += o.hijacked
	for i := range t.closed {
		t.closed[i] += o.closed[i]
	}
	t.requests += o.requests
	t.reused += o.reused
	t.bytesIn += o.bytesIn
	t.bytesOut += o.bytesOut
	t.perConn.add(&o.perConn)
	t.duration.add(&o.duration)
	t.idle.add(&o.idle)
}

// addFigures adds a connection's request and byte counts.
func (t *tally) addFigures(c *conn) {
	n := uint64(c.nreq.Load())
	t.requests += n
	if n > 1 {
		t.reused += n - 1
	}
	t.bytesIn += c.bytesIn.Load()
	t.bytesOut += c.bytesOut.Load()
}

// addOpen counts an open connection.
func (g *gathered) addOpen(c *conn) {
	g.open[c.getState()]++
	g.addFigures(c)
}

// account enters a connection that leaves its shard — closed, hijacked
// or refused — into the shard's tally, whose owner the caller is.
func (c *conn) account(t *tally, now int64) {
	t.addFigures(c)
	if c.hijacked {
		t.hijacked++
		return
	}
	c.setState(StateClosed)
	t.closed[c.reason]++
	n := uint64(c.nreq.Load())
	t.perConn.observe(requestBucket(n), n)
	age := uint64(max(now-c.created, 0))
	t.duration.observe(secondsBucket(age), age)
}

// Histogram buckets. requestBounds are 0, 1, 2, 4 … 2^20 requests;
// secondsBounds, in nanoseconds, span a millisecond to an hour, with the
// usual hold times (5 s, 60 s, 75 s) inside buckets of their own size.
const maxBuckets = 23 // the longest bounds list, plus the unbounded bucket

var requestBounds = func() (b [maxBuckets - 1]int64) {
	for i := 1; i < len(b); i++ {
		b[i] = 1 << (i - 1)
	}
	return b
}()

var secondsBounds = func() [18]int64 {
	var b [18]int64
	for i, s := range [...]float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600} {
		b[i] = int64(s * float64(time.Second))
	}
	return b
}()

// bucketIndex is the first bucket whose bound is at least v; len(bounds)
// is the unbounded one.
func bucketIndex(bounds []int64, v uint64) int {
	lo, hi := 0, len(bounds)
	for lo < hi {
		mid := (lo + hi) / 2
		if uint64(bounds[mid]) >= v {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func requestBucket(n uint64) int  { return bucketIndex(requestBounds[:], n) }
func secondsBucket(ns uint64) int { return bucketIndex(secondsBounds[:], ns) }

// histogram is a distribution kept by one owner: per-bucket (not
// cumulative) counts and the sum of the observed values.
type histogram struct {
	counts [maxBuckets]uint64
	sum    uint64
}

func (h *histogram) observe(bucket int, v uint64) {
	h.counts[bucket]++
	h.sum += v
}

func (h *histogram) add(o *histogram) {
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.sum += o.sum
}

// export gives the public, cumulative form; unit is how many stored
// units make one exported (1e9 for nanoseconds to seconds): dividing
// keeps the bounds exact (30, not 30.000000000000004).
func (h *histogram) export(bounds []int64, unit float64) Histogram {
	out := Histogram{Sum: float64(h.sum) / unit, Buckets: make([]Bucket, len(bounds))}
	for i, b := range bounds {
		out.Count += h.counts[i]
		out.Buckets[i] = Bucket{UpperBound: float64(b) / unit, Count: out.Count}
	}
	out.Count += h.counts[len(bounds)]
	return out
}

// atomicHistogram is a histogram written by several goroutines at once.
type atomicHistogram struct {
	counts [maxBuckets]atomic.Uint64
	sum    atomic.Uint64
}

func (h *atomicHistogram) observe(bucket int, v uint64) {
	h.counts[bucket].Add(1)
	h.sum.Add(v)
}

// load adds what h holds to a plain histogram.
func (h *atomicHistogram) load(into *histogram) {
	for i := range h.counts {
		into.counts[i] += h.counts[i].Load()
	}
	into.sum += h.sum.Load()
}
