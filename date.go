package holdfast

import (
	"sync/atomic"
	"time"

	"holdfast/internal/http1"
)

// dateCache holds the Date field value for the current second, so that
// formatting the time is done once a second, not once per response.
type dateValue struct {
	sec int64
	b   []byte
}

var dateCache atomic.Pointer[dateValue]

func appendDate(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &dateValue{sec: sec, b: http1.AppendDate(nil, now)}
		dateCache.Store(d)
	}
	return append(b, d.b...)
}
