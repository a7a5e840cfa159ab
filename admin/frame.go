package admin

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"holdfast"
)

// frame is one live update: the figures, the sentence that reads them,
// and the connections worth a row.
type frame struct {
	Sample   sample         `json:"sample"`
	Uptime   float64        `json:"uptime_seconds"`
	Stats    holdfast.Stats `json:"stats"`
	Sentence string         `json:"sentence"`
	Conns    connView       `json:"connections"`
}

// sample is what the charts draw from one moment: the page turns
// successive samples into rates.
type sample struct {
	Time     float64           `json:"t"` // Unix seconds
	Open     map[string]int64  `json:"open"`
	Requests uint64            `json:"requests"`
	Reused   uint64            `json:"reused"`
	Closed   map[string]uint64 `json:"closed"` // reasons with a close only
}

// connView is the open connections as the page lists them: every one
// when they are few, else the busiest and the oldest, and the count.
type connView struct {
	Count   int                 `json:"count"`
	All     bool                `json:"all"`
	List    []holdfast.ConnInfo `json:"list,omitempty"` // all of them, by ID
	Busiest []holdfast.ConnInfo `json:"busiest,omitempty"`
	Oldest  []holdfast.ConnInfo `json:"oldest,omitempty"`
}

// Past listAllUpTo open connections the page shows the topN busiest and
// the topN oldest.
const (
	listAllUpTo = 50
	topN        = 15
)

func newFrame(src Source, in *info) frame {
	st := src.Stats()
	conns := src.Connections()
	now := time.Now()
	return frame{
		Sample:   sampleOf(now, st),
		Uptime:   now.Sub(in.Started).Seconds(),
		Stats:    st,
		Sentence: describe(st, in.policy),
		Conns:    viewOf(conns),
	}
}

func sampleOf(now time.Time, st holdfast.Stats) sample {
	s := sample{
		Time:     float64(now.UnixMilli()) / 1000,
		Open:     make(map[string]int64, len(st.OpenByState)),
		Requests: st.Requests,
		Reused:   st.RequestsReused,
		Closed:   make(map[string]uint64),
	}
	for state, n := range st.OpenByState {
		s.Open[state.String()] = n
	}
	for reason, n := range st.Closed {
		if n > 0 {
			s.Closed[reason.String()] = n
		}
	}
	return s
}

func viewOf(conns []holdfast.ConnInfo) connView {
	v := connView{Count: len(conns)}
	if len(conns) <= listAllUpTo {
		sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
		v.All, v.List = true, conns
		return v
	}
	v.Busiest = top(conns, topN, busier)
	v.Oldest = top(conns, topN, older)
	return v
}

// busier orders connections by requests served, then bytes moved.
func busier(a, b *holdfast.ConnInfo) bool {
	if a.Requests != b.Requests {
		return a.Requests > b.Requests
	}
	if ab, bb := a.BytesIn+a.BytesOut, b.BytesIn+b.BytesOut; ab != bb {
		return ab > bb
	}
	return a.ID < b.ID
}

// older orders connections by age. The server numbers connections as it
// accepts them, so the lower ID is the older one; the ages, which each
// event loop measures at its own moment of the gathering, could put two
// connections accepted close together the other way round.
func older(a, b *holdfast.ConnInfo) bool { return a.ID < b.ID }

// top returns the n first of conns in the order before gives, in one pass
// that keeps only n.
func top(conns []holdfast.ConnInfo, n int, before func(a, b *holdfast.ConnInfo) bool) []holdfast.ConnInfo {
	best := make([]holdfast.ConnInfo, 0, n+1)
	for i := range conns {
		c := &conns[i]
		if len(best) == n && !before(c, &best[n-1]) {
			continue
		}
		at := sort.Search(len(best), func(j int) bool { return before(c, &best[j]) })
		best = append(best, holdfast.ConnInfo{})
		copy(best[at+1:], best[at:])
		best[at] = *c
		if len(best) > n {
			best = best[:n]
		}
	}
	return best
}

// describe says in one sentence what the figures mean: how much keep-alive
// saved, and why connections end.
func describe(st holdfast.Stats, pol *holdfast.Policy) string {
	if st.ConnectionsAccepted == 0 {
		return "No connection has been accepted yet."
	}
	reuse := "no request has been served yet"
	if st.Requests > 0 {
		reuse = fmt.Sprintf("%d %% of requests reused a connection (%.1f requests per connection)",
			st.RequestsReused*100/st.Requests, float64(st.Requests)/float64(st.ConnectionsAccepted))
	}
	return capitalize(reuse) + "; " + describeCloses(st.Closed, pol) + "."
}

// describeCloses names the commonest close reason, with what the policy
// says of it.
func describeCloses(closed map[holdfast.CloseReason]uint64, pol *holdfast.Policy) string {
	var total, most uint64
	var reason holdfast.CloseReason
	for _, r := range holdfast.CloseReasons() {
		n := closed[r]
		total += n
		if n > most {
			most, reason = n, r
		}
	}
	switch {
	case total == 0:
		return "no connection has closed yet"
	case most*2 > total:
		return "most closes are " + reason.String() + closeDetail(reason, pol)
	}
	return fmt.Sprintf("the commonest close is %s%s (%d %% of closes)", reason, closeDetail(reason, pol), most*100/total)
}

// closeDetail is what the policy says of a close reason.
func closeDetail(r holdfast.CloseReason, pol *holdfast.Policy) string {
	if pol == nil {
		return ""
	}
	switch {
	case r == holdfast.CloseIdleTimeout && pol.IdleTimeout > 0:
		return " after " + human(pol.IdleTimeout)
	case r == holdfast.CloseMaxRequests && pol.MaxRequests > 0:
		return " after " + strconv.Itoa(pol.MaxRequests) + " requests"
	case r == holdfast.CloseMaxAge && pol.MaxAge > 0:
		return " at an age of " + human(pol.MaxAge)
	}
	return ""
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
