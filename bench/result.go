package bench

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what one run measured.
type Result struct {
	URL         string
	Mode        string // Config.ModeName
	Connections int
	Rate        float64

	Elapsed           time.Duration
	Requests          int64 // responses received
	Bytes             int64 // bytes received
	ConnectionsOpened int64
	Status            map[int]int64
	Errors            map[ErrorKind]int64 // only kinds that occurred
	LastError         string              // an example failure, when there were any

	Latency   Summary // from the (intended) send to the last byte of the response
	FirstByte Summary // from the send to the first byte of the answer
	Connect   Summary // TCP handshakes
	Handshake Summary // TLS handshakes (https:// only)

	// TLS sessions resumed, of the connections opened (https:// only).
	Resumed int64

	// Sums over all requests, for the share of time spent connecting.
	ConnectTime   time.Duration
	HandshakeTime time.Duration
	RequestTime   time.Duration

	Timeline []Sample

	latency *hdrhistogram.Histogram // merged, for the percentile chart
}

// Summary is a latency distribution in milliseconds.
type Summary struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`
}

func summarize(h *hdrhistogram.Histogram) Summary {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Summary{
		Count: h.TotalCount(),
		Mean:  math.Round(h.Mean()) / 1000, // whole microseconds, as recorded
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
	}
}

// result merges the workers' statistics; they have all exited.
func (r *runner) result(elapsed time.Duration) *Result {
	p := r.p
	res := &Result{
		URL: p.URL, Mode: p.ModeName(), Connections: p.Connections, Rate: p.Rate,
		Elapsed: elapsed, Status: map[int]int64{}, Errors: map[ErrorKind]int64{},
		Timeline: r.timeline,
	}
	sigfigs := int(r.workers[0].st.latency.SignificantFigures())
	lat, conn, fb := newHistogram(sigfigs), newHistogram(secondaryFigures), newHistogram(sigfigs)
	hs := newHistogram(secondaryFigures)
	for _, w := range r.workers {
		lat.Merge(w.st.latency)
		conn.Merge(w.st.connect)
		hs.Merge(w.st.handshake)
		fb.Merge(w.st.firstByte)
		res.Resumed += w.st.resumed
		res.HandshakeTime += time.Duration(w.st.handshakeNs)
		res.Requests += w.requests.Load()
		res.Bytes += w.bytes.Load()
		res.ConnectionsOpened += w.st.opened
		res.ConnectTime += time.Duration(w.st.connectNs)
		res.RequestTime += time.Duration(w.st.requestNs)
		for code, n := range w.st.status {
			if n > 0 {
				res.Status[code] += n
			}
		}
		for k, n := range w.st.errs {
			if n > 0 {
				res.Errors[ErrorKind(k)] += n
			}
		}
		if w.lastErr != nil {
			res.LastError = w.lastErr.Error()
		}
	}
	res.Latency, res.Connect, res.FirstByte = summarize(lat), summarize(conn), summarize(fb)
	res.Handshake = summarize(hs)
	res.latency = lat
	return res
}

// RequestsPerSecond is the throughput: responses received per second.
func (r *Result) RequestsPerSecond() float64 { return perSecond(r.Requests, r.Elapsed) }

// BytesPerSecond is the transfer rate of received bytes.
func (r *Result) BytesPerSecond() float64 { return perSecond(r.Bytes, r.Elapsed) }

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// ErrorCount is the number of failed requests.
func (r *Result) ErrorCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// ConnectionsPerRequest is how many TCP connections each request cost:
// 1 for short connections, close to 0 when connections are kept.
func (r *Result) ConnectionsPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.ConnectionsOpened) / float64(r.Requests)
}

// RequestsPerConnection is the mean number of responses a connection carried.
func (r *Result) RequestsPerConnection() float64 {
	if r.ConnectionsOpened == 0 {
		return 0
	}
	return float64(r.Requests) / float64(r.ConnectionsOpened)
}

// SetupShare is the fraction of the time spent on requests that went into
// opening connections: TCP connects and TLS handshakes.
func (r *Result) SetupShare() float64 {
	setup := r.ConnectTime + r.HandshakeTime
	total := setup + r.RequestTime
	if total <= 0 {
		return 0
	}
	return float64(setup) / float64(total)
}

// TLS reports whether the run was over TLS.
func (r *Result) TLS() bool {
	return r.Handshake.Count > 0 || strings.HasPrefix(strings.ToLower(r.URL), "https://")
}

// LatencyCurve returns the latency (ms) at percentiles spread evenly on the
// 1/(1-p) scale used by HDR plots, up to the highest one the sample size
// supports.
func (r *Result) LatencyCurve() (percentiles, ms []float64) {
	if r.latency == nil || r.latency.TotalCount() == 0 {
		return nil, nil
	}
	for x := 0.0; x <= 6.0001; x += 0.1 {
		q := 100 * (1 - math.Pow(10, -x))
		v := r.latency.ValueAtQuantile(q)
		last := float64(r.latency.TotalCount())*(1-q/100) < 1
		if last {
			v = r.latency.Max() // the sample supports no finer percentile: end on the maximum
		}
		percentiles = append(percentiles, q)
		ms = append(ms, float64(v)/1000)
		if last {
			break
		}
	}
	return percentiles, ms
}

// MarshalJSON writes the result in the shape documented for --json.
func (r *Result) MarshalJSON() ([]byte, error) {
	errs := map[string]int64{}
	for k, n := range r.Errors {
		errs[kindKeys[k]] = n
	}
	status := map[string]int64{}
	for _, code := range slices.Sorted(maps.Keys(r.Status)) {
		status[strconv.Itoa(code)] = r.Status[code]
	}
	type sample struct {
		Seconds  float64 `json:"seconds"`
		Requests int64   `json:"requests"`
		Errors   int64   `json:"errors"`
	}
	var hsJSON *Summary
	var resumedJSON *int64
	if r.TLS() {
		hsJSON, resumedJSON = &r.Handshake, &r.Resumed
	}
	var tl []sample
	for _, s := range r.Timeline {
		tl = append(tl, sample{s.Elapsed.Seconds(), s.Requests, s.Errors})
	}
	return json.Marshal(struct {
		URL                   string           `json:"url"`
		Mode                  string           `json:"mode"`
		Connections           int              `json:"connections"`
		Rate                  float64          `json:"rate,omitempty"`
		Duration              float64          `json:"duration_seconds"`
		Requests              int64            `json:"requests"`
		RequestsPerSecond     float64          `json:"requests_per_second"`
		BytesPerSecond        float64          `json:"bytes_per_second"`
		Latency               Summary          `json:"latency_ms"`
		FirstByte             Summary          `json:"first_byte_ms"`
		Connect               Summary          `json:"connect_ms"`
		Handshake             *Summary         `json:"tls_handshake_ms,omitempty"`
		Resumed               *int64           `json:"tls_sessions_resumed,omitempty"`
		Status                map[string]int64 `json:"status_codes"`
		Errors                map[string]int64 `json:"errors"`
		ErrorsTotal           int64            `json:"errors_total"`
		LastError             string           `json:"last_error,omitempty"`
		ConnectionsOpened     int64            `json:"connections_opened"`
		RequestsPerConnection float64          `json:"requests_per_connection"`
		SetupShare            float64          `json:"connect_time_share"`
		Timeline              []sample         `json:"timeline"`
	}{
		r.URL, r.Mode, r.Connections, r.Rate, r.Elapsed.Seconds(), r.Requests,
		r.RequestsPerSecond(), r.BytesPerSecond(), r.Latency, r.FirstByte, r.Connect, hsJSON, resumedJSON,
		status, errs, r.ErrorCount(), r.LastError, r.ConnectionsOpened,
		r.RequestsPerConnection(), r.SetupShare(), tl,
	})
}
