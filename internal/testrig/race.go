package testrig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The reuse race, for real: a server closes connections idle for Idle,
// sits behind a relay that delays every segment as a network does
// ([RaceDelay]), and callers space their requests 0.85–1.15 × Idle apart,
// so that many requests leave just as the server closes the connection
// they were sent on. GET and PUT alternate; the PUT's small body is
// replayable. A failure is a RoundTrip error, a status other than 200, or
// a body that breaks off or does not start with "ok".

// Race describes one run of the reuse-race loop.
type Race struct {
	URL      string
	Requests int           // requests in all
	Callers  int           // goroutines sending them
	Idle     time.Duration // the server's idle timeout, which spaces the requests
	// Burst, when above zero, sends the requests that many at a time
	// instead, from one goroutine each, the next burst 0.75–1.05 × Idle
	// after the previous one ended (Callers is not used): the shape in
	// which a reverse proxy meets the race (see runBursts).
	Burst int
	// Kind sorts a failure for the report; nil: [RaceKind].
	Kind func(error) string
}

// RaceResult is what a run saw.
type RaceResult struct {
	Requests, Failures int64
	Reused             int64          // requests sent on a reused connection (httptrace)
	Kinds              map[string]int // failures by method and kind
	First              error          // the first failure
	Took               time.Duration
}

// RaceHandler answers every request with "ok\n" after reading its body:
// the server side of the race.
var RaceHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Write([]byte("ok\n"))
})

// RunRace runs the loop through rt until every request was sent or ctx
// ends.
func RunRace(ctx context.Context, rt http.RoundTripper, race Race) RaceResult {
	if race.Kind == nil {
		race.Kind = RaceKind
	}
	if race.Burst > 0 {
		return runBursts(ctx, rt, race)
	}
	start := time.Now()
	var requests, failures, reused atomic.Int64
	var mu sync.Mutex // guards kinds and first
	kinds := map[string]int{}
	var first error
	var wg sync.WaitGroup
	for g := 0; g < race.Callers; g++ {
		wg.Go(func() {
			for i := g; i < race.Requests && ctx.Err() == nil; i += race.Callers {
				// Start the callers out of step, then keep each one's spacing.
				f := 0.85 + 0.3*rand.Float64()
				if i == g {
					f = rand.Float64()
				}
				time.Sleep(time.Duration(f * float64(race.Idle)))
				requests.Add(1)
				wasReused, err := raceRequest(ctx, rt, race.URL, i)
				if wasReused {
					reused.Add(1)
				}
				if err != nil {
					failures.Add(1)
					mu.Lock()
					kinds[RaceMethod(i)+" "+race.Kind(err)]++
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return RaceResult{Requests: requests.Load(), Failures: failures.Load(), Reused: reused.Load(),
		Kinds: kinds, First: first, Took: time.Since(start)}
}

// raceRequest sends request i and reads its answer.
func raceRequest(ctx context.Context, rt http.RoundTripper, url string, i int) (reused bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	})
	method, body := RaceMethod(i), io.Reader(nil)
	if method == http.MethodPut {
		body = strings.NewReader("payload-" + strconv.Itoa(i))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return false, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return reused, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reused, fmt.Errorf("%s: reading body: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "ok") {
		return reused, fmt.Errorf("%s: status %d, body %q", method, resp.StatusCode, b)
	}
	return reused, nil
}

// RaceMethod is request i's method: GET and PUT alternate.
func RaceMethod(i int) string {
	if i%2 == 1 {
		return http.MethodPut
	}
	return http.MethodGet
}

// RaceKind sorts a failure into a few kinds for a report.
func RaceKind(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "server closed idle connection"):
		return "server closed idle connection"
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(msg, "connection reset"):
		return "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(msg, "EOF"):
		return "EOF"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		return "timeout"
	case strings.Contains(msg, "status "):
		return "bad status"
	}
	return "other"
}
