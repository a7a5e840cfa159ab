package admin

import (
	"encoding/json"
	"time"
)

// WithRefresh sets the time between two live updates, so that tests need
// not wait a second for each.
func WithRefresh(d time.Duration) Option { return func(c *config) { c.refresh = d } }

// BuildFrame builds and encodes one live update, as the feed does every
// refresh.
func BuildFrame(src Source) []byte {
	b, err := json.Marshal(newFrame(src, newInfo(src, &config{started: time.Now()})))
	if err != nil {
		panic(err)
	}
	return b
}
