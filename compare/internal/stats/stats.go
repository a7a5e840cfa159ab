package stats

import (
	"math"
	"sort"
)

// Summary of a sample. N is 0 (and the rest NaN) for an empty sample.
type Summary struct {
	N                int
	Median, Min, Max float64
}

// Summarize computes the median, min and max of xs; xs is not modified.
// An even count takes the mean of the two middle values.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		nan := math.NaN()
		return Summary{Median: nan, Min: nan, Max: nan}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Summary{N: n, Median: med, Min: s[0], Max: s[n-1]}
}

// Ratio is a/b, or NaN when b is zero or either is NaN, so a missing or
// failed measurement never turns into a misleading Inf or 0.
func Ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}
