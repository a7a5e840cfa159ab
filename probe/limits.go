package probe

import (
	"context"
	"time"
)

// Requests is the measured cap on requests per connection.
type Requests struct {
	Found     bool   // the server ended the connection within Config.MaxRequests
	Max       int    // requests answered on the connection
	Announced bool   // its last response said Connection: close
	ClosedBy  string // FIN or RST
	Error     string
}

// probeMaxRequests sends requests one after another on one connection
// until the server ends it, counting the answers.
func probeMaxRequests(ctx context.Context, t *target, cfg *Config) Requests {
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		return Requests{Error: err.Error()}
	}
	defer c.close()
	req := t.request(reqOpts{})
	for i := 1; i <= cfg.MaxRequests; i++ {
		resp, err := c.roundTrip(req, "GET", cfg.Timeout)
		if err != nil {
			if ev := classify(err); ev == gotFIN || ev == gotRST {
				return Requests{Found: true, Max: i - 1, ClosedBy: ev.String()}
			}
			return Requests{Max: i - 1, Error: err.Error()}
		}
		if !resp.Persistent {
			r := Requests{Found: true, Max: i, Announced: true}
			if ev, _ := c.watch(time.Now().Add(2 * settle)); ev == gotFIN || ev == gotRST {
				r.ClosedBy = ev.String()
			}
			return r
		}
	}
	return Requests{Max: cfg.MaxRequests}
}

// HeaderWait is how long the server waits for a request head that never
// completes.
type HeaderWait struct {
	Found    bool
	Timeout  time.Duration
	Status   int    // the response sent on the timeout (408), 0 when none
	ClosedBy string // FIN or RST
	Error    string
}

// probeHeaderTimeout sends a request head without its final empty line and
// waits for the server to give up on it.
func probeHeaderTimeout(ctx context.Context, t *target, cfg *Config) HeaderWait {
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		return HeaderWait{Error: err.Error()}
	}
	defer c.close()
	full := t.request(reqOpts{})
	partial := full[:len(full)-2] // every field line, but not the CRLF that ends the head
	start := time.Now()
	if err := c.send(partial, start.Add(cfg.Timeout)); err != nil {
		return HeaderWait{Error: err.Error()}
	}
	ev, at := c.watch(start.Add(cfg.MaxWait))
	var h HeaderWait
	if ev == gotData {
		if r, err := c.readResponse("GET", at.Add(cfg.Timeout)); err == nil {
			h.Status = r.Status
		}
		ev, _ = c.watch(time.Now().Add(2 * settle))
	}
	switch ev {
	case gotFIN, gotRST:
		h.ClosedBy = ev.String()
	case stillOpen, failed:
		if h.Status == 0 {
			return HeaderWait{} // still waiting at MaxWait
		}
	}
	h.Found, h.Timeout = true, at.Sub(start)
	return h
}
