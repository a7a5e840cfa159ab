package holdfast_test

import (
	"context"
	"strings"
	"sync"
)

// syncBuffer collects what the server's goroutines or a peer program
// write, and lets a test wait until it shows a given text.
type syncBuffer struct {
	mu      sync.Mutex
	text    strings.Builder // guarded by mu
	changed chan struct{}   // guarded by mu; closed on each write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.text.Write(p)
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.text.String()
}

// waitFor reports whether the text showed want before ctx ended.
func (b *syncBuffer) waitFor(ctx context.Context, want string) bool {
	for {
		b.mu.Lock()
		found := strings.Contains(b.text.String(), want)
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}
