package wrk

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrNoSummary means the text lacks the "Requests/sec:" line, which wrk
// prints only when it ran to the end (it was not, say, refused a connection).
var ErrNoSummary = errors.New("wrk: no Requests/sec line in output")

// Result is one wrk run. Latencies are in microseconds.
type Result struct {
	Requests    int64   // responses counted over the run
	Seconds     float64 // the run's length as wrk measured it
	RequestsSec float64
	P50, P75    float64
	P90, P99    float64
	Errors      SocketErrors
	Non2xx3xx   int64
}

// SocketErrors is wrk's "Socket errors:" line; all zero when wrk omits it.
type SocketErrors struct{ Connect, Read, Write, Timeout int64 }

// Total is the sum of all socket errors.
func (e SocketErrors) Total() int64 { return e.Connect + e.Read + e.Write + e.Timeout }

var (
	reTotal = regexp.MustCompile(`^(\d+) requests in ([0-9.]+[a-z]+),`)
	rePct   = regexp.MustCompile(`^(50|75|90|99)%\s+([0-9.]+[a-z]+)$`)
	reSock  = regexp.MustCompile(`^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$`)
	reNon2  = regexp.MustCompile(`^Non-2xx or 3xx responses: (\d+)$`)
	reRPS   = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)$`)
)

// Parse reads a `wrk --latency` summary.
func Parse(out string) (Result, error) {
	var r Result
	seen := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var err error
		switch {
		case reTotal.MatchString(line):
			m := reTotal.FindStringSubmatch(line)
			r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
			r.Seconds, err = Duration(m[2])
			r.Seconds /= 1e6
		case rePct.MatchString(line):
			err = r.setPercentile(rePct.FindStringSubmatch(line))
		case reSock.MatchString(line):
			m := reSock.FindStringSubmatch(line)
			r.Errors = SocketErrors{atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])}
		case reNon2.MatchString(line):
			r.Non2xx3xx = atoi(reNon2.FindStringSubmatch(line)[1])
		case reRPS.MatchString(line):
			r.RequestsSec, err = strconv.ParseFloat(reRPS.FindStringSubmatch(line)[1], 64)
			seen = true
		}
		if err != nil {
			return r, fmt.Errorf("wrk: line %q: %w", line, err)
		}
	}
	if !seen {
		return r, ErrNoSummary
	}
	return r, nil
}

func (r *Result) setPercentile(m []string) error {
	us, err := Duration(m[2])
	switch m[1] {
	case "50":
		r.P50 = us
	case "75":
		r.P75 = us
	case "90":
		r.P90 = us
	case "99":
		r.P99 = us
	}
	return err
}

// unitsUS are the suffixes wrk's time formatter uses, in microseconds.
var unitsUS = map[string]float64{"us": 1, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}

// Duration converts a wrk time such as "512.34us", "1.62ms" or "2.00s" to
// microseconds.
func Duration(s string) (float64, error) {
	i := strings.IndexFunc(s, func(c rune) bool { return c >= 'a' && c <= 'z' })
	if i <= 0 {
		return 0, fmt.Errorf("wrk: bad duration %q", s)
	}
	mult, ok := unitsUS[s[i:]]
	if !ok {
		return 0, fmt.Errorf("wrk: bad duration unit in %q", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("wrk: bad duration %q: %w", s, err)
	}
	return v * mult, nil
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64) // the regexps admit digits only
	return v
}

// Options are the wrk flags the harness varies.
type Options struct {
	Threads, Connections int
	Duration             string   // wrk syntax: "8s"
	Script               string   // -s path, optional
	ScriptArgs           []string // passed to the script's init after --
	Headers              []string // each one -H
	URL                  string
}

// Args is the wrk argument list for o, always with --latency so the
// percentiles are printed.
func Args(o Options) []string {
	a := []string{
		"-t" + strconv.Itoa(o.Threads),
		"-c" + strconv.Itoa(o.Connections),
		"-d" + o.Duration,
		"--latency",
	}
	for _, h := range o.Headers {
		a = append(a, "-H", h)
	}
	if o.Script != "" {
		a = append(a, "-s", o.Script)
	}
	a = append(a, o.URL)
	if len(o.ScriptArgs) > 0 {
		a = append(a, "--")
		a = append(a, o.ScriptArgs...)
	}
	return a
}
