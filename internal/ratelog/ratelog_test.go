package ratelog

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newLogger returns a rate-limited JSON logger writing into buf, on a
// clock of the test's.
func newLogger(buf io.Writer, every time.Duration) (*slog.Logger, *fakeClock) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	h := New(slog.NewJSONHandler(buf, nil), every)
	h.state.now = clock.now
	return slog.New(h), clock
}

// records decodes the JSON lines written so far.
func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// A flood of one failure is one line per interval, and the next line
// counts what was dropped.
func TestFloodIsOneLinePerInterval(t *testing.T) {
	var buf bytes.Buffer
	log, clock := newLogger(&buf, 5*time.Second)
	for i := range 1000 {
		log.Error("accept failed", "err", "too many open files", "n", i)
	}
	got := records(t, &buf)
	if len(got) != 1 || got[0]["n"] != 0.0 || got[0][SuppressedKey] != nil {
		t.Fatalf("after a flood within one interval: %v", got)
	}
	clock.advance(4 * time.Second)
	log.Error("accept failed", "n", 1000)
	if got = records(t, &buf); len(got) != 1 {
		t.Fatalf("a record before the interval ended was let through: %v", got)
	}
	clock.advance(time.Second)
	log.Error("accept failed", "n", 1001)
	got = records(t, &buf)
	if len(got) != 2 || got[1]["n"] != 1001.0 || got[1][SuppressedKey] != 1000.0 {
		t.Fatalf("after the interval: %v", got)
	}
	clock.advance(5 * time.Second)
	log.Error("accept failed", "n", 1002)
	if got = records(t, &buf); len(got) != 3 || got[2][SuppressedKey] != nil {
		t.Fatalf("with none dropped: %v", got)
	}
}

// Kinds are told apart by level and message; loggers derived with
// attributes or groups share the limit.
func TestKinds(t *testing.T) {
	var buf bytes.Buffer
	log, _ := newLogger(&buf, time.Minute)
	log.Error("handler panic")
	log.Error("accept failed")
	log.Warn("accept failed")
	log.With("server", "a").Error("handler panic")
	log.WithGroup("g").Error("accept failed")
	got := records(t, &buf)
	if len(got) != 3 {
		t.Fatalf("want one line per level and message, got %v", got)
	}
}

// Goroutines flooding at once still let one record through per interval.
func TestConcurrentFlood(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log, clock := newLogger(&lockedBuffer{buf: &buf, mu: &mu}, time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				log.Error("handler panic", "g", g, "i", i)
			}
		})
	}
	wg.Wait()
	clock.advance(time.Second)
	log.Error("handler panic")
	mu.Lock()
	defer mu.Unlock()
	got := records(t, &buf)
	if len(got) != 2 || got[1][SuppressedKey] != float64(8*200-1) {
		t.Fatalf("got %v", got)
	}
}

// The memory of kinds is bounded.
func TestKindsBounded(t *testing.T) {
	var buf bytes.Buffer
	log, _ := newLogger(&buf, time.Minute)
	h := log.Handler().(*Handler)
	for i := range 3 * maxKinds {
		log.Error("message " + strconv.Itoa(i))
	}
	if n := len(h.state.kinds); n > maxKinds {
		t.Fatalf("%d kinds remembered, want at most %d", n, maxKinds)
	}
	if got := records(t, &buf); len(got) != 3*maxKinds {
		t.Fatalf("%d distinct records logged, want %d", len(got), 3*maxKinds)
	}
}

// lockedBuffer serializes writes from several goroutines.
type lockedBuffer struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
