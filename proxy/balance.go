package proxy

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
)

// Balance is how a request's upstream is picked among the healthy ones.
type Balance uint8

const (
	// RandomTwo picks two upstreams at random and takes the one with
	// fewer requests in flight (the "power of two choices"): nearly as
	// even as LeastRequests, with no scan and no herd on the least
	// loaded upstream when many requests arrive at once. The default.
	RandomTwo Balance = iota
	// RoundRobin takes the upstreams in turn.
	RoundRobin
	// LeastRequests takes the upstream with the fewest requests in
	// flight; ties go to the next in turn.
	LeastRequests
)

var balanceNames = [...]string{RandomTwo: "random-two", RoundRobin: "round-robin", LeastRequests: "least-requests"}

// String is the mode's name, as the command line spells it.
func (b Balance) String() string {
	if int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return fmt.Sprintf("Balance(%d)", b)
}

// ParseBalance reads a mode's name: random-two, round-robin or
// least-requests.
func ParseBalance(name string) (Balance, error) {
	for b, n := range balanceNames {
		if n == name {
			return Balance(b), nil
		}
	}
	return 0, fmt.Errorf("%w %q (want random-two, round-robin or least-requests)", ErrUnknownBalance, name)
}

// balancer picks upstreams. Safe for concurrent use.
type balancer struct {
	mode Balance
	ups  []*upstream   // read-only
	turn atomic.Uint64 // round-robin position, and LeastRequests' tie-breaker
}

// pick returns a healthy upstream that tried does not hold, or, when every
// healthy one was tried, a healthy one that was (a retry on a new
// connection of the same upstream); nil when none is healthy.
func (b *balancer) pick(tried []*upstream) *upstream {
	if u := b.pickAmong(tried, false); u != nil {
		return u
	}
	if len(tried) == 0 {
		return nil
	}
	return b.pickAmong(tried, true)
}

// pickAmong picks among the healthy upstreams, leaving out those in tried
// unless again is set.
func (b *balancer) pickAmong(tried []*upstream, again bool) *upstream {
	eligible := func(u *upstream) bool { return u.healthy() && (again || !contains(tried, u)) }
	switch b.mode {
	case RoundRobin:
		return b.next(eligible)
	case LeastRequests:
		return b.least(eligible)
	}
	return b.randomTwo(eligible)
}

// next is the first eligible upstream from the round-robin position on.
func (b *balancer) next(eligible func(*upstream) bool) *upstream {
	n := uint64(len(b.ups))
	start := b.turn.Add(1) - 1
	for i := uint64(0); i < n; i++ {
		if u := b.ups[(start+i)%n]; eligible(u) {
			return u
		}
	}
	return nil
}

// least is the eligible upstream with the fewest requests in flight,
// scanning from a rotating start so that ties are spread.
func (b *balancer) least(eligible func(*upstream) bool) *upstream {
	n := uint64(len(b.ups))
	start := b.turn.Add(1) - 1
	var best *upstream
	for i := uint64(0); i < n; i++ {
		u := b.ups[(start+i)%n]
		if eligible(u) && (best == nil || u.inFlight.Load() < best.inFlight.Load()) {
			best = u
		}
	}
	return best
}

// randomTwo draws two distinct upstreams and keeps the less loaded one; if
// either draw is not eligible it falls back to a scan from a random start.
func (b *balancer) randomTwo(eligible func(*upstream) bool) *upstream {
	n := len(b.ups)
	if n == 1 {
		if eligible(b.ups[0]) {
			return b.ups[0]
		}
		return nil
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	first, second := b.ups[i], b.ups[j]
	switch ok1, ok2 := eligible(first), eligible(second); {
	case ok1 && ok2:
		if second.inFlight.Load() < first.inFlight.Load() {
			return second
		}
		return first
	case ok1:
		return first
	case ok2:
		return second
	}
	for k := 0; k < n; k++ {
		if u := b.ups[(i+k)%n]; eligible(u) {
			return u
		}
	}
	return nil
}

func contains(list []*upstream, u *upstream) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}
