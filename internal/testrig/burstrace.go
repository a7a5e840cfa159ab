package testrig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BurstRace is the reuse race as a reverse proxy meets it. The upstream
// closes connections idle for Idle (a few hundred ms) and sits behind a
// relay (RaceDelay), so that its close is still on its way when the proxy
// sends the next request. Clients send Burst requests at once (GET and PUT
// alternating, the PUTs with a small body), so that the proxy needs Burst
// upstream connections; then all wait a random 0.75–1.05 × Idle before the
// next burst. Every upstream connection thus sits idle for about Idle (the
// wait plus the relay's delays) before it is used again: just before the
// upstream's close, or just after it.
type BurstRace struct {
	URL       string            // the proxy, as http://host:port/path
	Requests  int               // in all
	Burst     int               // requests sent at once
	Idle      time.Duration     // the upstream's idle timeout
	Transport http.RoundTripper // the clients' transport to the proxy
}

// RaceOutcome is what a BurstRace saw. A failure is a transport error, a
// status other than 200, or a body that breaks off or is not the
// upstream's.
type RaceOutcome struct {
	Requests, Failures int
	Kinds              map[string]int // failures by method and kind ("PUT 502")
	First              string         // the first failure
	Took               time.Duration
}

// Run sends the bursts until Requests are sent or ctx ends. want is the
// body every answer must have.
func (b BurstRace) Run(ctx context.Context, want string) RaceOutcome {
	start := time.Now()
	out := RaceOutcome{Kinds: map[string]int{}}
	var mu sync.Mutex // guards out
	for sent := 0; sent < b.Requests && ctx.Err() == nil; {
		n := min(b.Burst, b.Requests-sent)
		var wg sync.WaitGroup
		for i := sent; i < sent+n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				method, err := b.request(ctx, i, want)
				mu.Lock()
				defer mu.Unlock()
				out.Requests++
				if err != nil {
					out.Failures++
					out.Kinds[method+" "+raceKind(err)]++
					if out.First == "" {
						out.First = method + ": " + err.Error()
					}
				}
			}()
		}
		wg.Wait()
		sent += n
		pause := time.Duration((0.75 + 0.3*rand.Float64()) * float64(b.Idle))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
		}
	}
	out.Took = time.Since(start)
	return out
}

// errStatus is an answer other than 200.
type errStatus struct{ code int }

func (e errStatus) Error() string { return "status " + strconv.Itoa(e.code) }

// request sends request i: a GET when i is even, else a PUT with a small
// body (replayable: NewRequest sets GetBody for a strings.Reader).
func (b BurstRace) request(ctx context.Context, i int, want string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	method, body := "GET", io.Reader(nil)
	if i%2 == 1 {
		method, body = "PUT", strings.NewReader("payload-"+strconv.Itoa(i))
	}
	req, err := http.NewRequestWithContext(ctx, method, b.URL, body)
	if err != nil {
		return method, err
	}
	resp, err := b.Transport.RoundTrip(req)
	if err != nil {
		return method, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return method, fmt.Errorf("reading the body: %w", err)
	case resp.StatusCode != 200:
		return method, errStatus{resp.StatusCode}
	case string(got) != want:
		return method, fmt.Errorf("body %q, want %q", got, want)
	}
	return method, nil
}

// raceKind sorts a failure into a few kinds for reports.
func raceKind(err error) string {
	var st errStatus
	msg := err.Error()
	switch {
	case errors.As(err, &st):
		return strconv.Itoa(st.code)
	case strings.Contains(msg, "connection reset"):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.HasSuffix(msg, "EOF"):
		return "EOF"
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "timeout"):
		return "timeout"
	case strings.Contains(msg, "body"):
		return "bad body"
	}
	return "other"
}
