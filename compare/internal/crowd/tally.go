package crowd

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxLifetimes bounds the lifetimes a tally keeps (a long soak ends
// hundreds of thousands of connections); later ones are not kept.
const maxLifetimes = 200_000

// Tally counts what a crowd's connections did.
type Tally struct {
	Opened     int64
	DialFailed int64
	Requests   int64 // KeepAlive: answered requests
	Failed     int64 // KeepAlive: requests the server closed or reset on
	// Endings counts connections by how they ended: "408 then closed by
	// the server", "closed by the server without an answer", "reset by
	// the server", "no answer in time (the client gave up)", "closed by
	// the client", "open at the end".
	Endings map[string]int64
	// ServerLifetimes are the ages, in seconds, of the connections the
	// server ended (at most maxLifetimes of them).
	ServerLifetimes []float64
}

func newTally() Tally { return Tally{Endings: map[string]int64{}} }

func (t Tally) clone() Tally {
	t.Endings = maps.Clone(t.Endings)
	t.ServerLifetimes = slices.Clone(t.ServerLifetimes)
	return t
}

func (t *Tally) add(e ending, life time.Duration) {
	t.Endings[e.name()]++
	if e.failed {
		t.Failed++
	}
	if e.by == "server" && len(t.ServerLifetimes) < maxLifetimes {
		t.ServerLifetimes = append(t.ServerLifetimes, life.Seconds())
	}
}

func (e ending) name() string {
	switch {
	case e.by == "client":
		return "closed by the client"
	case e.by == "end":
		return "open at the end"
	case e.by == "timeout":
		return "no answer in time (the client gave up)"
	case e.reset && e.status != 0:
		return fmt.Sprintf("%d then reset by the server", e.status)
	case e.reset:
		return "reset by the server"
	case e.status != 0:
		return fmt.Sprintf("%d then closed by the server", e.status)
	}
	return "closed by the server without an answer"
}

// Lifetimes summarises ServerLifetimes: count, minimum, median and maximum
// in seconds; zeros when there are none.
func (t Tally) Lifetimes() (n int, lo, median, hi float64) {
	if len(t.ServerLifetimes) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Sorted(slices.Values(t.ServerLifetimes))
	return len(s), s[0], s[len(s)/2], s[len(s)-1]
}

// EndingsText is the endings as "name N, name N", sorted by name.
func (t Tally) EndingsText() string { return CountsText(t.Endings) }

// CountsText is counts as "name N, name N", sorted by name.
func CountsText(counts map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}
