package main

import (
	"slices"
	"sync"

	"holdfast"
)

// serverGroup is the admin listener's view of holdfast run's servers, one
// per listener, as one: their counters added up, their connections listed
// together. A server that a reload removed stays in the group while it
// drains, then adds its last counters to retired, so that the totals
// never go back.
type serverGroup struct {
	mu       sync.Mutex
	servers  []*holdfast.Server // guarded by mu; in force, in the order of the listeners
	draining []*holdfast.Server // guarded by mu; removed by a reload, not drained yet
	retired  holdfast.Stats     // guarded by mu
}

// set replaces the servers in force; a reload gives those that leave to
// drain first.
func (g *serverGroup) set(servers []*holdfast.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.servers = servers
}

// drain keeps servers a reload removed in the group while they drain.
func (g *serverGroup) drain(servers []*holdfast.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.draining = append(slices.Clone(g.draining), servers...)
}

// retire takes a drained server out of the group and adds its last
// counters to the retired ones, at once, so that no total goes back.
func (g *serverGroup) retire(srv *holdfast.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, list := range []*[]*holdfast.Server{&g.servers, &g.draining} {
		if i := slices.Index(*list, srv); i >= 0 {
			*list = slices.Delete(slices.Clone(*list), i, i+1)
			g.retired = addStats(g.retired, srv.Stats())
			return
		}
	}
}

func (g *serverGroup) snapshot() ([]*holdfast.Server, holdfast.Stats) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Concat(g.servers, g.draining), g.retired
}

// Stats adds up the servers' counters and the retired ones.
func (g *serverGroup) Stats() holdfast.Stats {
	servers, total := g.snapshot()
	for _, srv := range servers {
		total = addStats(total, srv.Stats())
	}
	return total
}

// Connections lists every server's open connections. Each server numbers
// its connections from 1, so the group puts the server's place in the top
// bits of the ID to keep IDs apart.
func (g *serverGroup) Connections() []holdfast.ConnInfo {
	servers, _ := g.snapshot()
	var out []holdfast.ConnInfo
	for i, srv := range servers {
		for _, c := range srv.Connections() {
			c.ID |= uint64(i) << 48
			out = append(out, c)
		}
	}
	return out
}

// addStats adds b's counters to a's.
func addStats(a, b holdfast.Stats) holdfast.Stats {
	a.ConnectionsAccepted += b.ConnectionsAccepted
	a.ConnectionsOpen += b.ConnectionsOpen
	a.ConnectionsHijacked += b.ConnectionsHijacked
	a.Requests += b.Requests
	a.RequestsReused += b.RequestsReused
	a.BytesIn += b.BytesIn
	a.BytesOut += b.BytesOut
	a.OpenByState = addCounts(a.OpenByState, b.OpenByState)
	a.Closed = addCounts(a.Closed, b.Closed)
	a.RequestsPerConnection = addHistograms(a.RequestsPerConnection, b.RequestsPerConnection)
	a.ConnectionDuration = addHistograms(a.ConnectionDuration, b.ConnectionDuration)
	a.IdleBeforeReuse = addHistograms(a.IdleBeforeReuse, b.IdleBeforeReuse)
	return a
}

func addCounts[K comparable, V int64 | uint64](a, b map[K]V) map[K]V {
	out := make(map[K]V, len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// addHistograms adds two histograms of the same buckets (every server
// uses the same bounds); an empty one takes the other's.
func addHistograms(a, b holdfast.Histogram) holdfast.Histogram {
	if len(a.Buckets) == 0 {
		a.Buckets = make([]holdfast.Bucket, len(b.Buckets))
		for i, bk := range b.Buckets {
			a.Buckets[i].UpperBound = bk.UpperBound
		}
	} else {
		a.Buckets = append([]holdfast.Bucket(nil), a.Buckets...)
	}
	for i := range min(len(a.Buckets), len(b.Buckets)) {
		a.Buckets[i].Count += b.Buckets[i].Count
	}
	a.Count += b.Count
	a.Sum += b.Sum
	return a
}
