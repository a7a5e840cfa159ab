package probe

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"
)

// settle is how long a probe watches a connection after a response for
// the server to close it, before trying it with another request: a server
// that closes right after answering shows its FIN (or RST) within it.
const settle = 250 * time.Millisecond

// Variant is how the server treated one kind of request.
type Variant struct {
	Request    string `json:"request"`
	Status     int    `json:"status"`
	Version    string `json:"response_version"`
	Connection string `json:"connection"` // as received; "" when absent
	KeepAlive  string `json:"keep_alive"` // as received; "" when absent
	Kept       bool   `json:"kept"`       // a second request was answered on the connection
	Announced  bool   `json:"close_announced"`
	ClosedBy   string `json:"closed_by,omitempty"` // FIN or RST, when not kept
	Error      string `json:"error,omitempty"`
}

// variants are the four persistence questions of RFC 9112 §9.3.
var variants = []struct {
	name string
	opts reqOpts
}{
	{"HTTP/1.0", reqOpts{http10: true}},
	{"HTTP/1.0 + keep-alive", reqOpts{http10: true, connection: "keep-alive"}},
	{"HTTP/1.1", reqOpts{}},
	{"HTTP/1.1 + close", reqOpts{connection: "close"}},
}

// probeVariant sends a request of one kind and finds out whether the
// connection survives it: first by watching for a close, then by sending a
// second request on it.
func probeVariant(ctx context.Context, t *target, cfg *Config, name string, opts reqOpts) Variant {
	v := Variant{Request: name}
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	defer c.close()
	req := t.request(opts)
	resp, err := c.roundTrip(req, "GET", cfg.Timeout)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Status, v.Version, v.Connection, v.KeepAlive = resp.Status, resp.Version, resp.Connection, resp.KeepAlive
	v.Announced = !resp.Persistent
	switch ev, _ := c.watch(time.Now().Add(settle)); ev {
	case gotFIN, gotRST:
		v.ClosedBy = ev.String()
		return v
	case gotData:
		v.Error = "the server sent bytes nobody asked for after the response"
		return v
	}
	if _, err := c.roundTrip(req, "GET", cfg.Timeout); err != nil {
		switch ev := classify(err); ev {
		case gotFIN, gotRST:
			v.ClosedBy = ev.String()
		default:
			v.Error = "second request: " + err.Error()
		}
		return v
	}
	v.Kept = true
	return v
}

// Pipelining is whether requests written back to back, before any answer,
// are all answered.
type Pipelining struct {
	Sent     int    `json:"sent"`
	Answered int    `json:"answered"`
	InOrder  bool   `json:"in_order"`
	Detail   string `json:"detail"`
}

// probePipelining writes GET, HEAD, GET in one segment. The HEAD in the
// middle makes an out-of-order answer visible even when bodies do not echo
// the request: read in the wrong order, a body lands where a head is
// expected and the parse fails. Each request also carries a marker in its
// query, checked against bodies that echo it.
func probePipelining(ctx context.Context, t *target, cfg *Config) Pipelining {
	methods := []string{"GET", "HEAD", "GET"}
	p := Pipelining{Sent: len(methods)}
	c, err := t.dial(ctx, cfg.Timeout)
	if err != nil {
		p.Detail = err.Error()
		return p
	}
	defer c.close()
	var batch []byte
	for i, m := range methods {
		batch = append(batch, t.request(reqOpts{method: m, marker: strconv.Itoa(i + 1)})...)
	}
	deadline := time.Now().Add(cfg.Timeout)
	if err := c.send(batch, deadline); err != nil {
		p.Detail = "writing the requests: " + err.Error()
		return p
	}
	p.InOrder = true
	for i, m := range methods {
		resp, err := c.readResponse(m, deadline)
		if err != nil {
			p.Detail = pipelineFailure(p.Answered, len(methods), err)
			p.InOrder = false
			return p
		}
		p.Answered++
		if echoesOther(resp.Body, i+1, len(methods)) {
			p.InOrder = false
		}
		if !resp.Persistent && i < len(methods)-1 {
			p.Detail = fmt.Sprintf("%d of %d answered; the server closed the connection after that", p.Answered, p.Sent)
			p.InOrder = false
			return p
		}
	}
	p.Detail = fmt.Sprintf("%d of %d answered, in order", p.Answered, p.Sent)
	if !p.InOrder {
		p.Detail = fmt.Sprintf("%d of %d answered, out of order", p.Answered, p.Sent)
	}
	return p
}

func pipelineFailure(answered, sent int, err error) string {
	switch classify(err) {
	case gotFIN, gotRST:
		return fmt.Sprintf("%d of %d answered, then the server closed the connection", answered, sent)
	case stillOpen:
		return fmt.Sprintf("%d of %d answered; no answer to the rest", answered, sent)
	}
	return fmt.Sprintf("%d of %d answered, then the responses were garbled (out of order?): %v", answered, sent, err)
}

// echoesOther reports whether body names the marker of another request.
func echoesOther(body []byte, own, n int) bool {
	for j := 1; j <= n; j++ {
		if j != own && bytes.Contains(body, []byte("holdfast-probe="+strconv.Itoa(j))) {
			return true
		}
	}
	return false
}
