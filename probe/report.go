package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"holdfast/internal/http1"
)

// Report is what an audit found.
type Report struct {
	URL              string
	Server           string // the Server field, if any
	Elapsed          time.Duration
	MaxWait          time.Duration
	MaxRequestsBound int

	Persistence []Variant // in the order of variants
	Pipelining  Pipelining
	Idle        Idle
	Requests    Requests
	Header      HeaderWait

	// From the Keep-Alive field of the first response that had one;
	// -1 when never advertised.
	AdvertisedTimeout int
	AdvertisedMax     int
}

// HTTP10KeepAlive reports whether an HTTP/1.0 request with
// Connection: keep-alive kept its connection.
func (r *Report) HTTP10KeepAlive() bool { return r.Persistence[1].Kept }

// HTTP11Persistent reports whether a plain HTTP/1.1 request kept its
// connection.
func (r *Report) HTTP11Persistent() bool { return r.Persistence[2].Kept }

// advertised takes the Keep-Alive hints from the first response, or else
// from the HTTP/1.0 keep-alive one: some servers send the field only to
// HTTP/1.0 clients, who need it.
func (r *Report) advertised(first *response) {
	r.AdvertisedTimeout, r.AdvertisedMax = first.AdvTimeout, first.AdvMax
	for _, v := range r.Persistence {
		if r.AdvertisedTimeout >= 0 || r.AdvertisedMax >= 0 {
			return
		}
		r.AdvertisedTimeout, r.AdvertisedMax = http1.ParseKeepAlive([]byte(v.KeepAlive))
	}
}

// MarshalJSON writes the documented --json shape. Values that were not
// found are null.
func (r *Report) MarshalJSON() ([]byte, error) {
	type out struct {
		URL               string     `json:"url"`
		Server            string     `json:"server"`
		HTTP10KeepAlive   bool       `json:"http10_keepalive"`
		HTTP11Persistent  bool       `json:"http11_persistent"`
		Pipelining        bool       `json:"pipelining"`
		AdvertisedTimeout *int       `json:"advertised_timeout_seconds"`
		AdvertisedMax     *int       `json:"advertised_max"`
		IdleTimeout       *float64   `json:"idle_timeout_seconds"`
		IdleResolution    *float64   `json:"idle_timeout_resolution_seconds"`
		IdleClose         string     `json:"idle_close,omitempty"`
		IdleStatus        *int       `json:"idle_close_status"`
		MaxRequests       *int       `json:"max_requests"`
		MaxAnnounced      bool       `json:"max_requests_announced"`
		MaxClose          string     `json:"max_requests_close,omitempty"`
		HeaderTimeout     *float64   `json:"header_timeout_seconds"`
		HeaderStatus      *int       `json:"header_timeout_status"`
		HeaderClose       string     `json:"header_timeout_close,omitempty"`
		Persistence       []Variant  `json:"persistence"`
		Pipeline          Pipelining `json:"pipeline"`
		Errors            []string   `json:"errors,omitempty"`
		MaxWait           float64    `json:"max_wait_seconds"`
		MaxRequestsBound  int        `json:"max_requests_bound"`
		Elapsed           float64    `json:"elapsed_seconds"`
	}
	o := out{
		URL: r.URL, Server: r.Server,
		HTTP10KeepAlive: r.HTTP10KeepAlive(), HTTP11Persistent: r.HTTP11Persistent(),
		Pipelining:        r.Pipelining.Answered == r.Pipelining.Sent && r.Pipelining.InOrder,
		AdvertisedTimeout: nonNegative(r.AdvertisedTimeout), AdvertisedMax: nonNegative(r.AdvertisedMax),
		IdleClose: r.Idle.ClosedBy, MaxAnnounced: r.Requests.Announced, MaxClose: r.Requests.ClosedBy,
		HeaderClose: r.Header.ClosedBy, Persistence: r.Persistence, Pipeline: r.Pipelining,
		Errors:  r.errors(),
		MaxWait: r.MaxWait.Seconds(), MaxRequestsBound: r.MaxRequestsBound, Elapsed: r.Elapsed.Seconds(),
	}
	if r.Idle.Found {
		o.IdleTimeout, o.IdleResolution = seconds(r.Idle.Timeout), seconds(r.Idle.Resolution)
		o.IdleStatus = nonZero(r.Idle.Status)
	}
	if r.Requests.Found {
		o.MaxRequests = &r.Requests.Max
	}
	if r.Header.Found {
		o.HeaderTimeout, o.HeaderStatus = seconds(r.Header.Timeout), nonZero(r.Header.Status)
	}
	return json.Marshal(o)
}

func nonNegative(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

func nonZero(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}

func seconds(d time.Duration) *float64 {
	s := float64(d.Round(time.Millisecond)) / float64(time.Second)
	return &s
}

// errors lists what kept a probe from an answer.
func (r *Report) errors() []string {
	var errs []string
	add := func(what, e string) {
		if e != "" {
			errs = append(errs, what+": "+e)
		}
	}
	for _, v := range r.Persistence {
		add(v.Request, v.Error)
	}
	add("idle timeout", r.Idle.Error)
	add("requests per connection", r.Requests.Error)
	add("slow request head", r.Header.Error)
	return errs
}

// WriteText writes the audit as tables for a terminal.
func WriteText(w io.Writer, r *Report) {
	server := r.Server
	if server == "" {
		server = "(no Server field)"
	}
	fmt.Fprintf(w, "%s  server: %s  (audit took %.1fs)\n\n", r.URL, server, r.Elapsed.Seconds())
	fmt.Fprintf(w, "  %-24s %-6s %-5s %-17s %-14s %s\n", "request", "status", "kept", "closed", "Connection", "Keep-Alive")
	for _, v := range r.Persistence {
		fmt.Fprintf(w, "  %-24s %-6s %-5s %-17s %-14s %s\n",
			v.Request, statusText(v.Status), yesNo(v.Kept), closedText(v), dash(v.Connection), dash(v.KeepAlive))
	}
	fmt.Fprintf(w, "\n  %-24s %-12s %s\n", "keep-alive limit", "advertised", "measured")
	fmt.Fprintf(w, "  %-24s %-12s %s\n", "idle timeout", advertisedText("timeout=", r.AdvertisedTimeout), idleText(r))
	fmt.Fprintf(w, "  %-24s %-12s %s\n", "requests per connection", advertisedText("max=", r.AdvertisedMax), requestsText(r))
	fmt.Fprintf(w, "  %-24s %-12s %s\n", "request head timeout", "-", headerText(r))
	fmt.Fprintf(w, "\n  %-24s %s\n", "pipelining", r.Pipelining.Detail)
	for _, e := range r.errors() {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

func closedText(v Variant) string {
	switch {
	case v.Kept || v.Error != "":
		return "-"
	case v.Announced:
		return v.ClosedBy + ", announced"
	}
	return v.ClosedBy + ", silently"
}

func idleText(r *Report) string {
	i := r.Idle
	switch {
	case i.Error != "":
		return "unknown (" + i.Error + ")"
	case !i.Found:
		return fmt.Sprintf("still open after %v (--max-wait)", r.MaxWait)
	case i.ClosedBy == "lazy":
		return fmt.Sprintf("%.2fs ±%.2fs (not closed actively: found by reusing connections)", i.Timeout.Seconds(), i.Resolution.Seconds())
	}
	s := fmt.Sprintf("%.2fs (server sent %s", i.Timeout.Seconds(), i.ClosedBy)
	if i.Status != 0 {
		s += fmt.Sprintf(" after a %d response", i.Status)
	}
	return s + ")"
}

func requestsText(r *Report) string {
	q := r.Requests
	switch {
	case q.Error != "":
		return fmt.Sprintf("unknown after %d (%s)", q.Max, q.Error)
	case !q.Found:
		return fmt.Sprintf("more than %d (--max-requests)", q.Max)
	case q.Announced:
		return fmt.Sprintf("%d (last response said Connection: close%s)", q.Max, thenClose(q.ClosedBy))
	}
	return fmt.Sprintf("%d (then closed silently%s)", q.Max, thenClose(q.ClosedBy))
}

func headerText(r *Report) string {
	h := r.Header
	switch {
	case h.Error != "":
		return "unknown (" + h.Error + ")"
	case !h.Found:
		return fmt.Sprintf("still waiting after %v (--max-wait)", r.MaxWait)
	}
	answer := "no response"
	if h.Status != 0 {
		answer = fmt.Sprintf("answered %d", h.Status)
	}
	return fmt.Sprintf("%.2fs (%s%s)", h.Timeout.Seconds(), answer, thenClose(h.ClosedBy))
}

func thenClose(by string) string {
	if by == "" {
		return ""
	}
	return ", then " + by
}

// advertisedText shows a Keep-Alive parameter as the server wrote it: max
// counts the requests left after the response that carries it, so it is
// not the cap itself.
func advertisedText(param string, v int) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%s%d", param, v)
}

func statusText(s int) string {
	if s == 0 {
		return "-"
	}
	return fmt.Sprint(s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
