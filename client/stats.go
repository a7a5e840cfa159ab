package client

import "sync/atomic"

// TransportStats is a snapshot of a Transport's counters since its first
// request.
type TransportStats struct {
	Requests   uint64 `json:"requests"` // RoundTrip calls
	Dials      uint64 `json:"dials"`
	DialErrors uint64 `json:"dial_errors"`
	// Reuses counts requests sent on a connection that had served one: the
	// work keep-alive saved.
	Reuses uint64 `json:"reuses"`
	// ReuseFailures counts requests that failed on a reused connection
	// before any response byte: the reuse race, lost. Retries counts those
	// sent again on a new connection; the others failed with
	// ErrReusedConnClosed.
	ReuseFailures uint64 `json:"reuse_failures"`
	Retries       uint64 `json:"retries"`
	// Waits counts requests that waited for a connection because the host
	// had MaxConnsPerHost.
	Waits           uint64 `json:"waits"`
	ConnectionsOpen int64  `json:"connections_open"`
	// Closed counts closed connections by reason (every reason present);
	// "stale" counts those the check before reuse found dead.
	Closed map[CloseReason]uint64 `json:"closed"`
	// Hosts holds the connections of each pool: by the URL's host for
	// plain HTTP, "https://" and the host for HTTPS, with " via " and the
	// proxy's URL after it for a pool that goes through a proxy.
	Hosts map[string]HostStats `json:"hosts"`
}

// HostStats are the connections of one host pool at the time of a
// snapshot.
type HostStats struct {
	Idle    int `json:"idle"`
	Active  int `json:"active"` // in use by a request or its body
	Dialing int `json:"dialing"`
	Waiting int `json:"waiting"` // requests waiting for MaxConnsPerHost
}

// counters are a Transport's counters; every field is atomic.
type counters struct {
	requests      atomic.Uint64
	dials         atomic.Uint64
	dialErrors    atomic.Uint64
	reuses        atomic.Uint64
	reuseFailures atomic.Uint64
	retries       atomic.Uint64
	waits         atomic.Uint64
	open          atomic.Int64
	closed        [numReasons]atomic.Uint64
}

// Stats returns a snapshot of the Transport's counters and pools.
func (t *Transport) Stats() TransportStats {
	t.init()
	st := &t.stats
	s := TransportStats{
		Requests:        st.requests.Load(),
		Dials:           st.dials.Load(),
		DialErrors:      st.dialErrors.Load(),
		Reuses:          st.reuses.Load(),
		ReuseFailures:   st.reuseFailures.Load(),
		Retries:         st.retries.Load(),
		Waits:           st.waits.Load(),
		ConnectionsOpen: st.open.Load(),
		Closed:          make(map[CloseReason]uint64, numReasons),
		Hosts:           make(map[string]HostStats),
	}
	for _, r := range CloseReasons() {
		s.Closed[r] = st.closed[r].Load()
	}
	for _, h := range t.hostPools() {
		s.Hosts[h.key.String()] = h.counts()
	}
	return s
}
