package report

import (
	"encoding/json"
	"os"
	"path/filepath"

	"holdfast/compare/internal/stats"
)

// Report is one harness run.
type Report struct {
	Title     string     `json:"title,omitempty"` // default "holdfast/compare results"
	Date      string     `json:"date"`            // RFC 3339, UTC
	Command   string     `json:"command"`
	Machine   Machine    `json:"machine"`
	Settings  []KV       `json:"settings"`
	Notes     []string   `json:"notes,omitempty"`
	Scenarios []Scenario `json:"scenarios"`
}

// Machine describes where the numbers come from.
type Machine struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	Nginx  string `json:"nginx"`
	Wrk    string `json:"wrk"`
}

// KV is one ordered setting line.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Scenario is one workload run against every server.
type Scenario struct {
	Subject string         `json:"subject,omitempty"` // first column's heading; default "server"
	Key     string         `json:"key"`
	Title   string         `json:"title"`
	About   string         `json:"about"`
	Metrics []Metric       `json:"metrics"`
	Servers []ServerResult `json:"servers"`
}

// Metric is one column. Unit picks the number format (see Format).
type Metric struct {
	Key    string `json:"key"`
	Title  string `json:"title"`
	Unit   string `json:"unit"`
	Higher bool   `json:"higher_is_better"`
	// NoRatios leaves out the table of ratios between rows, for metrics
	// that are ratios or shares already.
	NoRatios bool `json:"no_ratios,omitempty"`
}

// ServerResult holds one server's rounds in a scenario.
type ServerResult struct {
	Server   string                   `json:"server"`
	Samples  map[string][]float64     `json:"samples"`           // metric key -> one value per good round
	Summary  map[string]stats.Summary `json:"summary,omitempty"` // filled by Summarize
	Failures []string                 `json:"failures,omitempty"`
}

// Add records one round's value of a metric.
func (s *ServerResult) Add(metric string, v float64) {
	if s.Samples == nil {
		s.Samples = map[string][]float64{}
	}
	s.Samples[metric] = append(s.Samples[metric], v)
}

// Summarize fills every ServerResult's Summary from its Samples. Metrics
// without samples get no summary, so the JSON never holds NaN.
func (r *Report) Summarize() {
	for i := range r.Scenarios {
		for j := range r.Scenarios[i].Servers {
			sr := &r.Scenarios[i].Servers[j]
			sr.Summary = map[string]stats.Summary{}
			for k, xs := range sr.Samples {
				if len(xs) > 0 {
					sr.Summary[k] = stats.Summarize(xs)
				}
			}
		}
	}
}

// JSON renders r indented.
func (r *Report) JSON() ([]byte, error) {
	return json.MarshalIndent(r, "", "  ")
}

// median is the summarized median of a metric, NaN if it has none.
func (s *ServerResult) median(metric string) float64 {
	if sum, ok := s.Summary[metric]; ok {
		return sum.Median
	}
	return stats.Summarize(nil).Median
}

// Save writes md and the report's JSON to base+".md" and base+".json",
// creating the directory, and returns the error of the first step that
// failed.
func (r *Report) Save(base, md string) error {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return err
	}
	js, err := r.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".md", []byte(md), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".json", append(js, '\n'), 0o644)
}
