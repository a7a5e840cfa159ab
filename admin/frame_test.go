package admin

import (
	"testing"
	"time"

	"holdfast"
)

func TestDescribe(t *testing.T) {
	pol := holdfast.Policy{}.Resolved()
	closed := func(pairs ...any) map[holdfast.CloseReason]uint64 {
		m := map[holdfast.CloseReason]uint64{}
		for i := 0; i < len(pairs); i += 2 {
			m[pairs[i].(holdfast.CloseReason)] = uint64(pairs[i+1].(int))
		}
		return m
	}
	for _, c := range []struct {
		st   holdfast.Stats
		pol  *holdfast.Policy
		want string
	}{
		{holdfast.Stats{}, &pol, "No connection has been accepted yet."},
		{holdfast.Stats{ConnectionsAccepted: 2}, &pol, "No request has been served yet; no connection has closed yet."},
		{holdfast.Stats{ConnectionsAccepted: 10, Requests: 200, RequestsReused: 188, Closed: closed(holdfast.CloseIdleTimeout, 8, holdfast.CloseClient, 1)}, &pol,
			"94 % of requests reused a connection (20.0 requests per connection); most closes are idle-timeout after 75 s."},
		{holdfast.Stats{ConnectionsAccepted: 4, Requests: 4, Closed: closed(holdfast.CloseMaxRequests, 2, holdfast.CloseClient, 1, holdfast.ClosePeerReset, 1)}, &pol,
			"0 % of requests reused a connection (1.0 requests per connection); the commonest close is max-requests after 1000 requests (50 % of closes)."},
		{holdfast.Stats{ConnectionsAccepted: 3, Requests: 1000, RequestsReused: 999, Closed: closed(holdfast.CloseMaxAge, 3)}, &pol,
			"99 % of requests reused a connection (333.3 requests per connection); most closes are max-age at an age of 1 h."},
		{holdfast.Stats{ConnectionsAccepted: 1, Requests: 1, Closed: closed(holdfast.CloseIdleTimeout, 1)}, nil,
			"0 % of requests reused a connection (1.0 requests per connection); most closes are idle-timeout."},
	} {
		if got := describe(c.st, c.pol); got != c.want {
			t.Errorf("describe(%+v)\n got %q\nwant %q", c.st, got, c.want)
		}
	}
}

// top keeps the n first in order, whatever order they come in.
func TestTop(t *testing.T) {
	var conns []holdfast.ConnInfo
	for i := range 1000 {
		// Requests rise and fall so the busiest are spread out.
		conns = append(conns, holdfast.ConnInfo{ID: uint64(i + 1), Requests: uint64((i * 7919) % 1000), Age: time.Duration(1000-i) * time.Second})
	}
	busiest := top(conns, 15, busier)
	if len(busiest) != 15 {
		t.Fatalf("%d kept", len(busiest))
	}
	for i, c := range busiest {
		if c.Requests != uint64(999-i) {
			t.Fatalf("busiest[%d] has %d requests, want %d", i, c.Requests, 999-i)
		}
	}
	oldest := top(conns, 15, older)
	for i := 1; i < len(oldest); i++ {
		if older(&oldest[i], &oldest[i-1]) {
			t.Fatalf("oldest out of order at %d: %+v", i, oldest)
		}
	}
	for i, c := range oldest {
		if c.ID != uint64(i+1) {
			t.Fatalf("oldest[%d] = %+v, want ID %d: accepted first", i, c, i+1)
		}
	}
	if got := top(conns[:3], 15, busier); len(got) != 3 {
		t.Fatalf("top of 3: %d", len(got))
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		75 * time.Second: "75 s", 10 * time.Minute: "10 min", 2 * time.Hour: "2 h", 90 * time.Minute: "90 min",
		1500 * time.Millisecond: "1.5s", 5 * time.Minute: "300 s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}
