package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Units the harness uses for metrics; Format knows how to print each.
const (
	UnitRate    = "req/s"  // requests per second, also per CPU-second
	UnitMicros  = "µs"     // latency, printed as µs, ms or s
	UnitKiB     = "KiB"    // memory
	UnitCPUms   = "CPU ms" // CPU time
	UnitCount   = "count"
	UnitPercent = "%"
	UnitDecimal = "0.0"   // a plain number, one decimal: allocations or µs per request
	UnitRatio   = "ratio" // a ratio, printed 2.31×
)

// Format prints v in unit's style.
func Format(unit string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	switch unit {
	case UnitRate, UnitCount:
		return thousands(int64(math.Round(v)))
	case UnitMicros:
		return latency(v)
	case UnitKiB:
		return strconv.FormatFloat(v, 'f', 2, 64) + " KiB"
	case UnitCPUms:
		return thousands(int64(math.Round(v))) + " ms"
	case UnitPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case UnitDecimal:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case UnitRatio:
		return strconv.FormatFloat(v, 'f', 2, 64) + "×"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func latency(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.2fs", us/1e6)
}

// thousands writes n with comma separators: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Counts lists counted things, the most frequent first ("PUT 502 46, GET
// EOF 3"), or "–" when there are none.
func Counts(counts map[string]int) string {
	if len(counts) == 0 {
		return "–"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return counts[keys[i]] > counts[keys[j]] || counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(counts[k])
	}
	return strings.Join(parts, ", ")
}
