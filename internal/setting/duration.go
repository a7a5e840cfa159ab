package setting

import (
	"math"
	"strconv"
	"time"
)

// ParseDuration reads a duration the one way holdfast's command-line flags
// and its configuration file read every duration: what time.ParseDuration
// reads ("90s", "1m30s", "250ms"), or a bare number, which counts seconds
// ("90", "0.5"), as timeouts are usually given. Whether a negative or zero
// duration makes sense is the caller's to say.
func ParseDuration(s string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(secs, 0) && !math.IsNaN(secs) {
		if math.Abs(secs) > math.MaxInt64/float64(time.Second) {
			return 0, ErrTooLong
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, ErrNotDuration
	}
	return d, nil
}
