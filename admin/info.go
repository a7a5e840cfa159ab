package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// info is what the page says of the server beside its figures.
type info struct {
	Version string    `json:"version,omitempty"`
	Engine  string    `json:"engine,omitempty"`
	Started time.Time `json:"started"`
	Uptime  float64   `json:"uptime_seconds"`
	// Policy is the keep-alive policy in force, as the page lists it;
	// empty when the source is not a *holdfast.Server.
	Policy []setting `json:"policy,omitempty"`
	// Links are the endpoints options added that the page links to.
	Links []string `json:"links,omitempty"`

	policy *holdfast.Policy // resolved; nil when unknown
}

// setting is one line of the policy: a name and its value, for people.
type setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func newInfo(src Source, cfg *config) *info {
	in := &info{Version: cfg.version, Started: cfg.started}
	for _, rt := range cfg.routes {
		if path, ok := strings.CutPrefix(rt.pattern, "GET /"); ok && path != "" && !strings.ContainsAny(path, "{} ") {
			in.Links = append(in.Links, path)
		}
	}
	if srv, ok := src.(*holdfast.Server); ok {
		pol := srv.Policy.Resolved()
		in.policy = &pol
		in.Engine = srv.Engine.Resolved().String()
		in.Policy = describePolicy(pol)
	}
	return in
}

// now is the info with the uptime as of now.
func (in *info) now() info {
	out := *in
	out.Uptime = time.Since(in.Started).Seconds()
	return out
}

// describePolicy lists a resolved policy for people.
func describePolicy(p holdfast.Policy) []setting {
	tcp := "off"
	if p.TCPKeepAlive == holdfast.On {
		tcp = fmt.Sprintf("first probe after %s, then every %s, %d probes", human(p.TCPKeepAliveIdle), human(p.TCPKeepAliveInterval), p.TCPKeepAliveCount)
	}
	return []setting{
		{"keep-alive", onOff(p.KeepAlive)},
		{"idle timeout", limit(p.IdleTimeout)},
		{"max requests", count(p.MaxRequests)},
		{"max age", limit(p.MaxAge)},
		{"header timeout", limit(p.HeaderTimeout)},
		{"body timeout", limit(p.BodyTimeout)},
		{"send timeout", limit(p.SendTimeout)},
		{"Keep-Alive hints", onOff(p.AdvertiseKeepAlive)},
		{"drain limit", bytesLimit(p.DrainLimit)},
		{"TCP keepalive", tcp},
		{"TCP user timeout", limit(p.TCPUserTimeout)},
	}
}

func onOff(t holdfast.Toggle) string {
	if t == holdfast.Off {
		return "off"
	}
	return "on"
}

func limit(d time.Duration) string {
	if d < 0 {
		return "no limit"
	}
	return human(d)
}

// human writes a duration as people say it: "75 s", "10 min", "2 h", and
// as Go does when it is not a whole number of those.
func human(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d >= 10*time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d >= time.Second && d%time.Second == 0:
		return strconv.Itoa(int(d/time.Second)) + " s"
	}
	return d.String()
}

func count(n int) string {
	if n < 0 {
		return "no limit"
	}
	return strconv.Itoa(n)
}

func bytesLimit(n int64) string {
	switch {
	case n < 0:
		return "none (close instead)"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
