package holdfast

import (
	"encoding/json"
	"time"
)

// Stats is a snapshot of a server's counters since it started. Server.Stats
// gathers it from the engines' shards (each epoll loop, each group of the
// goroutine engine's connections) when it is called: serving a request
// touches no counter shared across the server.
type Stats struct {
	ConnectionsAccepted uint64 `json:"connections_accepted"`
	ConnectionsOpen     int64  `json:"connections_open"`
	// OpenByState counts the open connections in each state; every state
	// but StateClosed is present. A hijacked connection shows here only
	// for the moment before the engine lets it go.
	OpenByState map[ConnState]int64 `json:"open_by_state"`
	// ConnectionsHijacked counts connections handed to a handler by
	// http.Hijacker: the server no longer tracks them.
	ConnectionsHijacked uint64 `json:"connections_hijacked"`
	Requests            uint64 `json:"requests"`
	// RequestsReused counts requests that arrived on a connection that
	// had already served one: the work keep-alive saved.
	RequestsReused uint64 `json:"requests_reused"`
	BytesIn        uint64 `json:"bytes_in"`
	BytesOut       uint64 `json:"bytes_out"`
	// Closed counts closed connections by reason (every reason present).
	Closed map[CloseReason]uint64 `json:"closed"`
	// RequestsPerConnection is, over closed connections, how many requests
	// each served (buckets 0, 1, 2, 4, 8 … 2^20).
	RequestsPerConnection Histogram `json:"requests_per_connection"`
	// ConnectionDuration is, over closed connections, how long each was
	// open, in seconds.
	ConnectionDuration Histogram `json:"connection_duration_seconds"`
	// IdleBeforeReuse is, over requests that reused a connection after it
	// sat idle, how long it sat idle (from the end of the previous
	// response to the first byte of the request), in seconds. Pipelined
	// requests, which never waited, are not in it.
	IdleBeforeReuse Histogram `json:"idle_before_reuse_seconds"`
}

// Histogram is a distribution of observations, in Prometheus' form.
type Histogram struct {
	Count uint64  `json:"count"`
	Sum   float64 `json:"sum"`
	// Buckets are cumulative: Buckets[i].Count observations were at most
	// Buckets[i].UpperBound. Those above the last bound are counted in
	// Count only.
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one cumulative histogram bucket.
type Bucket struct {
	UpperBound float64 `json:"le"`
	Count      uint64  `json:"count"`
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

// Stats gathers the server's counters from its engines' shards: each epoll
// loop adds up its own between two batches of events, so a call costs a
// pass over the open connections (under a millisecond for 10,000) and
// none of the requests anything.
func (s *Server) Stats() Stats {
	s.init()
	var g gathered
	for i := range s.shards {
		s.shards[i].gather(&g)
	}
	s.engineGather(&g)
	s.gatherDetached(&g)
	return g.stats()
}

// stats turns gathered counts into the public snapshot.
func (g *gathered) stats() Stats {
	st := Stats{
		ConnectionsAccepted:   g.accepted,
		ConnectionsHijacked:   g.hijacked,
		Requests:              g.requests,
		RequestsReused:        g.reused,
		BytesIn:               g.bytesIn,
		BytesOut:              g.bytesOut,
		OpenByState:           make(map[ConnState]int64, numStates-1),
		Closed:                make(map[CloseReason]uint64, numReasons-1),
		RequestsPerConnection: g.perConn.export(requestBounds[:], 1),
		ConnectionDuration:    g.duration.export(secondsBounds[:], 1e9),
		IdleBeforeReuse:       g.idle.export(secondsBounds[:], 1e9),
	}
	for state := range numStates {
		if state != StateClosed {
			st.OpenByState[state] = g.open[state]
			st.ConnectionsOpen += g.open[state]
		}
	}
	for _, r := range CloseReasons() {
		st.Closed[r] = g.closed[r]
	}
	return st
}
