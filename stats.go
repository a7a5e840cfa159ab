package holdfast

import (
	"encoding/json"
	"math/bits"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a server's counters since it started.
type Stats struct {
	ConnectionsAccepted uint64 `json:"connections_accepted"`
	ConnectionsOpen     int64  `json:"connections_open"`
	Requests            uint64 `json:"requests"`
	// RequestsReused counts requests that arrived on a connection that
	// had already served one: the work keep-alive saved.
	RequestsReused uint64 `json:"requests_reused"`
	BytesIn        uint64 `json:"bytes_in"`
	BytesOut       uint64 `json:"bytes_out"`
	// Closed counts closed connections by reason (every reason present).
	Closed map[CloseReason]uint64 `json:"closed"`
	// RequestsPerConnection is a histogram over closed connections of how
	// many requests each served.
	RequestsPerConnection []Bucket `json:"requests_per_connection"`
}

// Bucket is one histogram bucket: Count connections served at most Max
// requests (and more than the previous bucket's Max). The last bucket's Max
// is -1: no upper bound.
type Bucket struct {
	Max   int64  `json:"max"`
	Count uint64 `json:"count"`
}

// numBuckets covers 0, 1, 2, ≤4, ≤8 … ≤2^20 and above.
const numBuckets = 23

// counters are a server's statistics; every field is atomic, updated by
// the engines and read by Stats without locks.
type counters struct {
	accepted atomic.Uint64
	open     atomic.Int64
	requests atomic.Uint64
	reused   atomic.Uint64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	closed   [numReasons]atomic.Uint64
	perConn  [numBuckets]atomic.Uint64
}

// bucketOf maps a request count to its histogram bucket: 0→0, 1→1, 2→2,
// 3–4→3, 5–8→4, … so bucket i>0 holds counts in (2^(i-2), 2^(i-1)].
func bucketOf(n uint64) int {
	if n == 0 {
		return 0
	}
	b := bits.Len64(n-1) + 1
	if b >= numBuckets {
		return numBuckets - 1
	}
	return b
}

func bucketMax(i int) int64 {
	switch {
	case i == numBuckets-1:
		return -1
	case i == 0:
		return 0
	}
	return 1 << (i - 1)
}

func (c *counters) connClosed(reason CloseReason, requests uint64) {
	c.open.Add(-1)
	c.closed[reason].Add(1)
	c.perConn[bucketOf(requests)].Add(1)
}

func (c *counters) snapshot() Stats {
	s := Stats{
		ConnectionsAccepted: c.accepted.Load(),
		ConnectionsOpen:     c.open.Load(),
		Requests:            c.requests.Load(),
		RequestsReused:      c.reused.Load(),
		BytesIn:             c.bytesIn.Load(),
		BytesOut:            c.bytesOut.Load(),
		Closed:              make(map[CloseReason]uint64, numReasons),
	}
	for _, r := range CloseReasons() {
		s.Closed[r] = c.closed[r].Load()
	}
	for i := range c.perConn {
		s.RequestsPerConnection = append(s.RequestsPerConnection, Bucket{Max: bucketMax(i), Count: c.perConn[i].Load()})
	}
	return s
}

// ConnInfo describes one open connection.
type ConnInfo struct {
	ID       uint64
	Remote   string
	State    ConnState
	Age      time.Duration // since accept
	Idle     time.Duration // since the last request ended (or accept); 0 while a request is served
	Requests uint64
	BytesIn  uint64
	BytesOut uint64
}

// MarshalJSON writes durations as seconds, the unit people read.
func (ci ConnInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID       uint64    `json:"id"`
		Remote   string    `json:"remote"`
		State    ConnState `json:"state"`
		Age      float64   `json:"age_seconds"`
		Idle     float64   `json:"idle_seconds"`
		Requests uint64    `json:"requests"`
		BytesIn  uint64    `json:"bytes_in"`
		BytesOut uint64    `json:"bytes_out"`
	}{ci.ID, ci.Remote, ci.State, ci.Age.Seconds(), ci.Idle.Seconds(), ci.Requests, ci.BytesIn, ci.BytesOut})
}
