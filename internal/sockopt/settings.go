package sockopt

import (
	"time"

	"holdfast/internal/setting"
)

// Defaults of the dead-peer settings. Idle is below the idle timeouts of
// NATs and middleboxes (often 60 s to 5 min); with the interval and count a
// dead peer is found 30+4×10 = 70 s after it went silent.
const (
	DefaultIdle     = 30 * time.Second
	DefaultInterval = 10 * time.Second
	DefaultCount    = 4
)

// Settings are the dead-peer settings as a user writes them, in the
// server's Policy or the client's Transport: for every duration and count,
// zero means the default and a negative value leaves the system's value.
type Settings struct {
	KeepAliveOff bool
	Idle         time.Duration
	Interval     time.Duration
	Count        int
	// UserTimeout defaults to Idle + Interval×Count, which keeps the
	// kernel's keepalive verdict unchanged; with keepalive off it has no
	// default.
	UserTimeout time.Duration
}

// Resolve fills in the defaults, giving the Options to Apply.
func (s Settings) Resolve() Options {
	o := Options{
		KeepAlive: !s.KeepAliveOff,
		Idle:      setting.Or(s.Idle, DefaultIdle),
		Interval:  setting.Or(s.Interval, DefaultInterval),
		Count:     setting.Or(s.Count, DefaultCount),
	}
	o.UserTimeout = setting.Or(s.UserTimeout, o.Idle+o.Interval*time.Duration(o.Count))
	if s.KeepAliveOff && s.UserTimeout == 0 {
		o.UserTimeout = 0 // derived from the keepalive settings, which are off
	}
	return o
}
