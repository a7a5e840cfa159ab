package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SuppressedKey names the attribute that counts the records dropped since
// the last one of the same kind was let through.
const SuppressedKey = "suppressed"

// maxKinds bounds the kinds of record remembered: past it the memory is
// cleared, which at worst lets a few more records through.
const maxKinds = 1024

// Handler rate-limits the records it passes to another handler.
type Handler struct {
	next  slog.Handler
	state *limiter // shared with the handlers WithAttrs and WithGroup make
}

// limiter remembers, per kind of record, when one was last let through.
type limiter struct {
	every time.Duration
	now   func() time.Time // the clock; tests set their own

	mu    sync.Mutex
	kinds map[kind]*window // guarded by mu
}

type kind struct {
	level slog.Level
	msg   string
}

// window is one kind's state: when a record was last let through, and
// how many were dropped since.
type window struct {
	passed  time.Time
	dropped uint64
}

// New returns a Handler that passes to next the first record of each kind
// and then at most one per every.
func New(next slog.Handler, every time.Duration) *Handler {
	return &Handler{next: next, state: &limiter{every: every, now: time.Now, kinds: make(map[kind]*window)}}
}

func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes r on, with the count of records dropped before it, or
// drops it.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	pass, dropped := h.state.allow(kind{r.Level, r.Message})
	if !pass {
		return nil
	}
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Uint64(SuppressedKey, dropped))
	}
	return h.next.Handle(ctx, r)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs), state: h.state}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), state: h.state}
}

// allow reports whether a record of kind k passes now, and how many of
// its kind were dropped since the last that passed.
func (l *limiter) allow(k kind) (bool, uint64) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.kinds[k]
	if w == nil {
		if len(l.kinds) >= maxKinds {
			clear(l.kinds)
		}
		l.kinds[k] = &window{passed: now}
		return true, 0
	}
	if now.Sub(w.passed) < l.every {
		w.dropped++
		return false, 0
	}
	dropped := w.dropped
	w.passed, w.dropped = now, 0
	return true, dropped
}
