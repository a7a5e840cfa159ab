package testrig

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// runBursts is the reuse race as a reverse proxy meets it. Behind the
// proxy, the server closes connections idle for Idle and sits behind a
// relay; the clients send Burst requests at once, so that the proxy needs
// Burst connections to the server, then all wait 0.75–1.05 × Idle before
// the next burst. Every connection of the proxy's pool thus sits idle for
// about Idle (the wait plus the relay's delays) before it is used again:
// just before the server's close, or just after it. Callers spaced out as
// RunRace spaces them would not do that through a proxy: its pool would
// hand each request the connection used last, a few milliseconds before.
func runBursts(ctx context.Context, rt http.RoundTripper, race Race) RaceResult {
	start := time.Now()
	res := RaceResult{Kinds: map[string]int{}}
	var mu sync.Mutex // guards res
	for sent := 0; sent < race.Requests && ctx.Err() == nil; {
		n := min(race.Burst, race.Requests-sent)
		var wg sync.WaitGroup
		for i := sent; i < sent+n; i++ {
			wg.Go(func() {
				reused, err := raceRequest(ctx, rt, race.URL, i)
				mu.Lock()
				defer mu.Unlock()
				res.count(i, reused, err, race.Kind)
			})
		}
		wg.Wait()
		sent += n
		select {
		case <-time.After(time.Duration((0.75 + 0.3*rand.Float64()) * float64(race.Idle))):
		case <-ctx.Done():
		}
	}
	res.Took = time.Since(start)
	return res
}

// count adds request i's outcome.
func (r *RaceResult) count(i int, reused bool, err error, kind func(error) string) {
	r.Requests++
	if reused {
		r.Reused++
	}
	if err == nil {
		return
	}
	r.Failures++
	r.Kinds[RaceMethod(i)+" "+kind(err)]++
	if r.First == nil {
		r.First = err
	}
}
