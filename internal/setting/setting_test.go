package setting

import (
	"testing"
	"time"
)

func TestOr(t *testing.T) {
	cases := []struct{ v, def, want time.Duration }{
		{0, time.Second, time.Second},
		{-1, time.Second, 0},
		{-time.Hour, time.Second, 0},
		{3 * time.Second, time.Second, 3 * time.Second},
		{0, 0, 0},
	}
	for _, c := range cases {
		if got := Or(c.v, c.def); got != c.want {
			t.Errorf("Or(%v, %v) = %v, want %v", c.v, c.def, got, c.want)
		}
	}
	if got := Or(0, 64); got != 64 {
		t.Errorf("Or(0, 64) = %d", got)
	}
	if got := Or(int64(-5), 7); got != 0 {
		t.Errorf("Or(-5, 7) = %d", got)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90": 90 * time.Second, "0.5": 500 * time.Millisecond, "90s": 90 * time.Second,
		"1m30s": 90 * time.Second, "250ms": 250 * time.Millisecond, "0": 0, "-5": -5 * time.Second,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]error{"soon": ErrNotDuration, "": ErrNotDuration, "1e300": ErrTooLong, "NaN": ErrNotDuration} {
		if _, err := ParseDuration(in); err != want {
			t.Errorf("ParseDuration(%q): %v, want %v", in, err, want)
		}
	}
}
