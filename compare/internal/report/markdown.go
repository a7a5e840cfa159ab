package report

import (
	"fmt"
	"math"
	"strings"

	"holdfast/compare/internal/stats"
)

// Markdown renders r. Call Summarize first.
func (r *Report) Markdown() string {
	var b strings.Builder
	title := r.Title
	if title == "" {
		title = "holdfast/compare results"
	}
	fmt.Fprintf(&b, "# %s, %s\n\n", title, r.Date)
	fmt.Fprintf(&b, "Command: `%s`\n\n", r.Command)
	r.writeMachine(&b)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	for i := range r.Scenarios {
		r.Scenarios[i].write(&b)
	}
	return b.String()
}

func (r *Report) writeMachine(b *strings.Builder) {
	m := r.Machine
	b.WriteString("| machine | |\n| --- | --- |\n")
	fmt.Fprintf(b, "| CPU | %s (%d cores) |\n", cell(m.CPU), m.Cores)
	for _, kv := range []KV{{"kernel", m.Kernel}, {"Go", m.Go}, {"nginx", m.Nginx}, {"wrk", m.Wrk}} {
		if kv.Value == "" {
			continue // not used by this run
		}
		fmt.Fprintf(b, "| %s | %s |\n", kv.Key, cell(kv.Value))
	}
	for _, kv := range r.Settings {
		fmt.Fprintf(b, "| %s | %s |\n", cell(kv.Key), cell(kv.Value))
	}
	b.WriteString("\n")
}

func (s *Scenario) write(b *strings.Builder) {
	fmt.Fprintf(b, "## %s\n\n%s\n\n", s.Title, s.About)
	subject := s.Subject
	if subject == "" {
		subject = "server"
	}
	fmt.Fprintf(b, "Median of the rounds, (min–max) beside it.\n\n| %s |", subject)
	for _, m := range s.Metrics {
		fmt.Fprintf(b, " %s |", m.heading())
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(s.Metrics)) + "\n")
	for i := range s.Servers {
		sr := &s.Servers[i]
		fmt.Fprintf(b, "| %s |", cell(sr.Server))
		for _, m := range s.Metrics {
			fmt.Fprintf(b, " %s |", summaryCell(m.Unit, sr.Summary[m.Key], len(sr.Samples[m.Key]) > 0))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	s.writeFailures(b)
	for _, m := range s.Metrics {
		s.writeRatios(b, m)
	}
}

func (m Metric) heading() string {
	if m.Higher {
		return m.Title + " ↑"
	}
	return m.Title + " ↓"
}

func summaryCell(unit string, s stats.Summary, ok bool) string {
	if !ok {
		return "–"
	}
	if s.N == 1 {
		return Format(unit, s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", Format(unit, s.Median), Format(unit, s.Min), Format(unit, s.Max))
}

func (s *Scenario) writeFailures(b *strings.Builder) {
	n := 0
	for _, sr := range s.Servers {
		for _, f := range sr.Failures {
			if n == 0 {
				b.WriteString("Failed or flagged runs:\n\n")
			}
			fmt.Fprintf(b, "- %s: %s\n", cell(sr.Server), cell(f))
			n++
		}
	}
	if n > 0 {
		b.WriteString("\n")
	}
}

// writeRatios prints row ÷ column of the medians for one metric: how many
// times each server's number is another's.
func (s *Scenario) writeRatios(b *strings.Builder, m Metric) {
	if len(s.Servers) < 2 || m.NoRatios {
		return
	}
	fmt.Fprintf(b, "<details><summary>%s: ratio of medians, row ÷ column</summary>\n\n| |", m.heading())
	for _, col := range s.Servers {
		fmt.Fprintf(b, " %s |", cell(col.Server))
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(s.Servers)) + "\n")
	for i := range s.Servers {
		row := &s.Servers[i]
		fmt.Fprintf(b, "| %s |", cell(row.Server))
		for j := range s.Servers {
			fmt.Fprintf(b, " %s |", ratioCell(stats.Ratio(row.median(m.Key), s.Servers[j].median(m.Key))))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n\n")
}

func ratioCell(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", r)
}

// cell keeps free text from breaking a table row.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
