package bench

import (
	"context"
	"encoding/json"
	"fmt"
)

// Comparison is a keep-alive run and a short-connection run of the same
// load, back to back.
type Comparison struct {
	KeepAlive *Result
	Short     *Result
}

// Compare runs cfg with persistent connections, then again with a new
// connection per request. before, when set, is called with each run's
// Config before it starts (to label progress output).
func Compare(ctx context.Context, cfg Config, before func(Config)) (*Comparison, error) {
	switch {
	case cfg.NoKeepAlive:
		return nil, fmt.Errorf("%w: --compare runs both modes; drop --no-keepalive", ErrBadConfig)
	case cfg.Pipeline > 1:
		return nil, fmt.Errorf("%w: --compare runs short connections, which cannot pipeline", ErrBadConfig)
	}
	var c Comparison
	for _, short := range []bool{false, true} {
		run := cfg
		run.NoKeepAlive = short
		if before != nil {
			before(run)
		}
		res, err := Run(ctx, run)
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil && !short {
			return nil, ctx.Err() // interrupted: half a comparison compares nothing
		}
		if short {
			c.Short = res
		} else {
			c.KeepAlive = res
		}
	}
	return &c, nil
}

// Speedup is the keep-alive throughput over the short-connection one.
func (c *Comparison) Speedup() float64 {
	if s := c.Short.RequestsPerSecond(); s > 0 {
		return c.KeepAlive.RequestsPerSecond() / s
	}
	return 0
}

// MarshalJSON writes both runs and the figures that compare them.
func (c *Comparison) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		KeepAlive *Result `json:"keep_alive"`
		Short     *Result `json:"short"`
		Speedup   float64 `json:"speedup"`
		// The share of a short request's time spent opening its connection.
		SetupShare float64            `json:"short_connect_time_share"`
		ConnPerReq map[string]float64 `json:"connections_per_request"`
	}{
		c.KeepAlive, c.Short, c.Speedup(), c.Short.SetupShare(),
		map[string]float64{
			"keep_alive": c.KeepAlive.ConnectionsPerRequest(),
			"short":      c.Short.ConnectionsPerRequest(),
		},
	})
}
