package bench

import (
	"context"
	"encoding/json"
	"fmt"
)

// Comparison is a keep-alive run and a short-connection run of the same
// load, back to back; over TLS, a second short-connection run whose
// handshakes are all full ones (the first resumes sessions, as browsers
// do).
type Comparison struct {
	KeepAlive *Result
	Short     *Result
	ShortFull *Result // https:// only: short connections, no session resumption
}

// Compare runs cfg with persistent connections, then again with a new
// connection per request (over TLS: resuming sessions, then not). before,
// when set, is called with each run's Config before it starts (to label
// progress output).
func Compare(ctx context.Context, cfg Config, before func(Config)) (*Comparison, error) {
	switch {
	case cfg.NoKeepAlive:
		return nil, fmt.Errorf("%w: --compare runs both modes; drop --no-keepalive", ErrBadConfig)
	case cfg.Pipeline > 1:
		return nil, fmt.Errorf("%w: --compare runs short connections, which cannot pipeline", ErrBadConfig)
	case cfg.NoResume:
		return nil, fmt.Errorf("%w: --compare runs with and without session resumption; drop --no-resume", ErrBadConfig)
	}
	runs := []Config{cfg, cfg}
	runs[1].NoKeepAlive = true
	if (&runs[0]).isTLS() {
		full := runs[1]
		full.NoResume = true
		runs = append(runs, full)
	}
	var results []*Result
	for i, run := range runs {
		if before != nil {
			before(run)
		}
		res, err := Run(ctx, run)
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil && i < len(runs)-1 {
			return nil, ctx.Err() // interrupted: part of a comparison compares nothing
		}
		results = append(results, res)
	}
	c := &Comparison{KeepAlive: results[0], Short: results[1]}
	if len(results) == 3 {
		c.ShortFull = results[2]
	}
	return c, nil
}

// Speedup is the keep-alive throughput over the short-connection one.
func (c *Comparison) Speedup() float64 { return speedup(c.KeepAlive, c.Short) }

// SpeedupFull is the keep-alive throughput over that of short connections
// with full TLS handshakes; 0 over plain HTTP.
func (c *Comparison) SpeedupFull() float64 {
	if c.ShortFull == nil {
		return 0
	}
	return speedup(c.KeepAlive, c.ShortFull)
}

func speedup(a, b *Result) float64 {
	if s := b.RequestsPerSecond(); s > 0 {
		return a.RequestsPerSecond() / s
	}
	return 0
}

// MarshalJSON writes the runs and the figures that compare them.
func (c *Comparison) MarshalJSON() ([]byte, error) {
	perReq := map[string]float64{
		"keep_alive": c.KeepAlive.ConnectionsPerRequest(),
		"short":      c.Short.ConnectionsPerRequest(),
	}
	if c.ShortFull != nil {
		perReq["short_full_tls"] = c.ShortFull.ConnectionsPerRequest()
	}
	return json.Marshal(struct {
		KeepAlive   *Result `json:"keep_alive"`
		Short       *Result `json:"short"`
		ShortFull   *Result `json:"short_full_tls,omitempty"`
		Speedup     float64 `json:"speedup"`
		SpeedupFull float64 `json:"speedup_full_tls,omitempty"`
		// The share of a short request's time spent opening its connection.
		SetupShare float64            `json:"short_connect_time_share"`
		ConnPerReq map[string]float64 `json:"connections_per_request"`
	}{c.KeepAlive, c.Short, c.ShortFull, c.Speedup(), c.SpeedupFull(), c.Short.SetupShare(), perReq})
}
