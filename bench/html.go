package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// WriteHTML writes a self-contained report page: a summary table, latency
// by percentile and throughput over time, as inline SVG. It loads nothing
// from the network, so it can be mailed or archived as one file.
func WriteHTML(w io.Writer, results ...*Result) error {
	var b strings.Builder
	title := "holdfast bench"
	if len(results) > 0 {
		title += " — " + results[0].URL
	}
	fmt.Fprintf(&b, pageHead, html.EscapeString(title), html.EscapeString(title),
		time.Now().Format("2006-01-02 15:04:05 MST"))
	writeSummaryTable(&b, results)
	b.WriteString("<h2>Latency by percentile</h2>\n")
	b.WriteString(latencyChart(results))
	b.WriteString("<h2>Throughput over time</h2>\n")
	b.WriteString(throughputChart(results))
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

const pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%s</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.8em; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; }
svg { background: #fcfcfc; border: 1px solid #ddd; }
svg text { font: 12px system-ui, sans-serif; fill: #444; }
.small { color: #666; }
</style>
</head>
<body>
<h1>%s</h1>
<p class="small">generated %s</p>
`

// seriesColors tell the runs apart; the first is keep-alive in a comparison.
var seriesColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"}

func writeSummaryTable(b *strings.Builder, results []*Result) {
	b.WriteString("<table>\n<tr><th></th>")
	for i, r := range results {
		fmt.Fprintf(b, `<th style="color:%s">%s</th>`, seriesColors[i%len(seriesColors)], html.EscapeString(r.Mode))
	}
	b.WriteString("</tr>\n")
	row := func(name string, f func(r *Result) string) {
		fmt.Fprintf(b, "<tr><td>%s</td>", name)
		for _, r := range results {
			fmt.Fprintf(b, "<td>%s</td>", html.EscapeString(f(r)))
		}
		b.WriteString("</tr>\n")
	}
	row("connections", func(r *Result) string { return fmt.Sprint(r.Connections) })
	row("duration", func(r *Result) string { return round(r.Elapsed).String() })
	row("requests", func(r *Result) string { return fmt.Sprint(r.Requests) })
	row("requests/s", func(r *Result) string { return num(r.RequestsPerSecond()) })
	row("transfer/s", func(r *Result) string { return bytesHuman(r.BytesPerSecond()) })
	row("latency p50", func(r *Result) string { return ms(r.Latency.P50) })
	row("latency p90", func(r *Result) string { return ms(r.Latency.P90) })
	row("latency p99", func(r *Result) string { return ms(r.Latency.P99) })
	row("latency p99.9", func(r *Result) string { return ms(r.Latency.P999) })
	row("latency max", func(r *Result) string { return ms(r.Latency.Max) })
	row("first byte p50", func(r *Result) string { return ms(r.FirstByte.P50) })
	row("connect p50", func(r *Result) string { return ms(r.Connect.P50) })
	row("connections opened", func(r *Result) string { return fmt.Sprint(r.ConnectionsOpened) })
	row("requests/connection", func(r *Result) string { return num(r.RequestsPerConnection()) })
	row("time spent connecting", func(r *Result) string { return fmt.Sprintf("%.0f%%", 100*r.SetupShare()) })
	row("status codes", func(r *Result) string { return statusLine(r.Status) })
	row("errors", func(r *Result) string { return fmt.Sprint(r.ErrorCount()) })
	b.WriteString("</table>\n")
}

// series is one line of a chart, in chart units.
type series struct {
	name string
	x, y []float64
	tips []string // hover text per point
}

type tick struct {
	at    float64
	label string
}

func latencyChart(results []*Result) string {
	var ss []series
	maxX := 2.0
	for _, r := range results {
		ps, vs := r.LatencyCurve()
		s := series{name: r.Mode}
		for i, p := range ps {
			x := -math.Log10(1 - p/100)
			s.x, s.y = append(s.x, x), append(s.y, vs[i])
			s.tips = append(s.tips, fmt.Sprintf("p%s: %s", trimFloat(p), ms(vs[i])))
			maxX = max(maxX, math.Ceil(x))
		}
		ss = append(ss, s)
	}
	var xt []tick
	for i := 0.0; i <= maxX; i++ {
		xt = append(xt, tick{i, "p" + trimFloat(100*(1-math.Pow(10, -i)))})
	}
	return chart(ss, xt, "percentile", "latency (ms)", maxX)
}

func throughputChart(results []*Result) string {
	var ss []series
	maxX := 1.0
	for _, r := range results {
		s := series{name: r.Mode}
		var prev Sample
		for _, t := range r.Timeline {
			dt := (t.Elapsed - prev.Elapsed).Seconds()
			if dt <= 0 {
				continue
			}
			rate := float64(t.Requests-prev.Requests) / dt
			s.x, s.y = append(s.x, t.Elapsed.Seconds()), append(s.y, rate)
			s.tips = append(s.tips, fmt.Sprintf("%.1fs: %s req/s", t.Elapsed.Seconds(), num(rate)))
			maxX = max(maxX, t.Elapsed.Seconds())
			prev = t
		}
		ss = append(ss, s)
	}
	step := niceStep(maxX)
	var xt []tick
	for x := 0.0; x <= maxX+step/2; x += step {
		xt = append(xt, tick{x, trimFloat(x) + "s"})
	}
	return chart(ss, xt, "time", "requests/s", math.Max(maxX, xt[len(xt)-1].at))
}

// Chart geometry, in SVG pixels.
const (
	chartW, chartH = 760, 320
	padL, padR     = 70, 20
	padT, padB     = 20, 50
)

// chart draws series as polylines over x in [0, maxX] and y from 0 to
// a rounded maximum, with a legend.
func chart(ss []series, xt []tick, xLabel, yLabel string, maxX float64) string {
	maxY := 0.0
	for _, s := range ss {
		for _, y := range s.y {
			maxY = max(maxY, y)
		}
	}
	yStep := niceStep(maxY)
	maxY = math.Max(yStep, math.Ceil(maxY/yStep)*yStep)
	px := func(x float64) float64 { return padL + x/maxX*(chartW-padL-padR) }
	py := func(y float64) float64 { return chartH - padB - y/maxY*(chartH-padT-padB) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", chartW, chartH, chartW, chartH)
	for y := 0.0; y <= maxY+yStep/2; y += yStep {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, chartW-padR, py(y), py(y), padL-6, py(y)+4, trimFloat(y))
	}
	for _, t := range xt {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e4e4e4"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			px(t.at), px(t.at), padT, chartH-padB, px(t.at), chartH-padB+16, html.EscapeString(t.label))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (chartW+padL)/2, chartH-10, xLabel)
	fmt.Fprintf(&b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (chartH-padB+padT)/2, yLabel)
	for i, s := range ss {
		color := seriesColors[i%len(seriesColors)]
		var pts []string
		for j := range s.x {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.x[j]), py(s.y[j])))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.Join(pts, " "))
		for j := range s.x {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s</title></circle>`+"\n",
				px(s.x[j]), py(s.y[j]), color, html.EscapeString(s.name+" — "+s.tips[j]))
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			padL+10, padT+4+18*i, color, padL+28, padT+14+18*i, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep picks a grid step of 1, 2 or 5 times a power of ten that cuts
// [0, v] into about five parts.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
