package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// WriteText writes the report a person reads after a run.
func WriteText(w io.Writer, r *Result) {
	fmt.Fprintf(w, "%s  (%s, %d connections)\n\n", r.URL, r.Mode, r.Connections)
	fmt.Fprintf(w, "  requests      %d in %s, %s req/s, %s/s\n",
		r.Requests, round(r.Elapsed), num(r.RequestsPerSecond()), bytesHuman(r.BytesPerSecond()))
	if r.Rate > 0 {
		fmt.Fprintf(w, "  target rate   %s req/s (latency counted from each request's intended send time)\n", num(r.Rate))
	}
	fmt.Fprintf(w, "  latency       %s\n", percentiles(r.Latency))
	fmt.Fprintf(w, "  first byte    %s\n", percentiles(r.FirstByte))
	fmt.Fprintf(w, "  connect       %s\n", percentiles(r.Connect))
	if r.TLS() {
		fmt.Fprintf(w, "  TLS handshake %s\n", percentiles(r.Handshake))
		fmt.Fprintf(w, "  TLS sessions  %d of %d resumed\n", r.Resumed, r.ConnectionsOpened)
	}
	fmt.Fprintf(w, "  connections   %d opened, %s requests per connection, %.0f%% of request time spent connecting\n",
		r.ConnectionsOpened, num(r.RequestsPerConnection()), 100*r.SetupShare())
	fmt.Fprintf(w, "  status        %s\n", statusLine(r.Status))
	fmt.Fprintf(w, "  errors        %s\n", errorLine(r))
}

// WriteCompareText writes the runs side by side and what keep-alive
// bought: over TLS, with the TCP connect, the TLS handshake and the first
// byte apart, with and without session resumption.
func WriteCompareText(w io.Writer, c *Comparison) {
	runs := []*Result{c.KeepAlive, c.Short}
	names := []string{"keep-alive", "short"}
	if c.ShortFull != nil {
		runs = append(runs, c.ShortFull)
		names = []string{"keep-alive", "short, resumed", "short, full TLS"}
	}
	ka, sh := c.KeepAlive, c.Short
	fmt.Fprintf(w, "%s  (%d connections, keep-alive vs a new connection per request)\n\n", ka.URL, ka.Connections)
	row := func(name string, v func(*Result) string) {
		fmt.Fprintf(w, "  %-22s", name)
		for _, r := range runs {
			fmt.Fprintf(w, " %18s", v(r))
		}
		fmt.Fprintln(w)
	}
	row("", func(r *Result) string { return names[slices.Index(runs, r)] })
	row("requests", func(r *Result) string { return fmt.Sprint(r.Requests) })
	row("requests/s", func(r *Result) string { return num(r.RequestsPerSecond()) })
	row("transfer/s", func(r *Result) string { return bytesHuman(r.BytesPerSecond()) })
	for _, q := range []struct {
		name string
		v    func(Summary) float64
	}{
		{"latency p50", func(s Summary) float64 { return s.P50 }},
		{"latency p90", func(s Summary) float64 { return s.P90 }},
		{"latency p99", func(s Summary) float64 { return s.P99 }},
		{"latency p99.9", func(s Summary) float64 { return s.P999 }},
		{"latency max", func(s Summary) float64 { return s.Max }},
	} {
		row(q.name, func(r *Result) string { return ms(q.v(r.Latency)) })
	}
	row("TCP connect p50", func(r *Result) string { return ms(r.Connect.P50) })
	if ka.TLS() {
		row("TLS handshake p50", func(r *Result) string { return ms(r.Handshake.P50) })
		row("TLS sessions resumed", func(r *Result) string { return fmt.Sprintf("%d/%d", r.Resumed, r.ConnectionsOpened) })
	}
	row("first byte p50", func(r *Result) string { return ms(r.FirstByte.P50) })
	row("connections opened", func(r *Result) string { return fmt.Sprint(r.ConnectionsOpened) })
	row("connections/request", func(r *Result) string { return fmt.Sprintf("%.4f", r.ConnectionsPerRequest()) })
	row("errors", func(r *Result) string { return fmt.Sprint(r.ErrorCount()) })
	fmt.Fprintf(w, "\n  speed-up       keep-alive served %.2f× the requests/s of short connections", c.Speedup())
	if c.ShortFull != nil {
		fmt.Fprintf(w, " (%.2f× those with full TLS handshakes)", c.SpeedupFull())
	}
	fmt.Fprintln(w)
	setup := "connect p50 " + ms(sh.Connect.P50)
	if ka.TLS() {
		setup += ", TLS handshake p50 " + ms(sh.Handshake.P50)
	}
	fmt.Fprintf(w, "  setup share    %.0f%% of a short request's time went into opening its connection (%s)\n",
		100*sh.SetupShare(), setup)
	if c.ShortFull != nil {
		fmt.Fprintf(w, "                 %.0f%% with full TLS handshakes (TLS handshake p50 %s)\n",
			100*c.ShortFull.SetupShare(), ms(c.ShortFull.Handshake.P50))
	}
	fmt.Fprintf(w, "  connections    %.4f per request with keep-alive, %.4f with short connections\n",
		ka.ConnectionsPerRequest(), sh.ConnectionsPerRequest())
}

// ProgressLine is the one-line progress report.
func ProgressLine(label string, p Progress) string {
	return fmt.Sprintf("%s%5.0fs  %10d requests  %10s req/s  %6d errors  %9s",
		label, p.Elapsed.Seconds(), p.Requests, num(p.Rate), p.Errors, bytesHuman(float64(p.Bytes)))
}

func percentiles(s Summary) string {
	if s.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
		ms(s.P50), ms(s.P90), ms(s.P99), ms(s.P999), ms(s.Max))
}

func statusLine(st map[int]int64) string {
	if len(st) == 0 {
		return "-"
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(st)) {
		parts = append(parts, fmt.Sprintf("%d: %d", code, st[code]))
	}
	return strings.Join(parts, ", ")
}

func errorLine(r *Result) string {
	if len(r.Errors) == 0 {
		return "none"
	}
	var parts []string
	for k := range numKinds {
		if n := r.Errors[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		}
	}
	return strings.Join(parts, ", ") + "  (last: " + r.LastError + ")"
}

// ms formats milliseconds with the precision that matters at their size.
func ms(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.3fms", v)
	case v < 100:
		return fmt.Sprintf("%.2fms", v)
	}
	return fmt.Sprintf("%.0fms", v)
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func bytesHuman(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
