package probe

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/http1"
	"holdfast/internal/testrig"
)

func TestAuditHoldfast(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[secure], func(t *testing.T) { auditHoldfast(t, secure) })
	}
}

// auditHoldfast audits holdfast's server, over TLS when secure: the
// findings are the same.
func auditHoldfast(t *testing.T, secure bool) {
	testrig.CheckLeaks(t)
	url := startHoldfastOn(t, holdfast.Policy{IdleTimeout: 2 * time.Second, MaxRequests: 7, HeaderTimeout: time.Second}, secure)
	start := time.Now()
	rep := audit(t, Config{URL: url, MaxWait: 5 * time.Second, Insecure: secure})
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the audit took %v; the probes should overlap (longest timeout 2 s)", d)
	}
	if !rep.Idle.Found || rep.Idle.ClosedBy != "FIN" || !within(rep.Idle.Timeout, 2*time.Second, 200*time.Millisecond) {
		t.Errorf("idle timeout %+v, want 2s closed by FIN", rep.Idle)
	}
	if q := rep.Requests; !q.Found || q.Max != 7 || !q.Announced {
		t.Errorf("max requests %+v, want 7 announced", q)
	}
	if h := rep.Header; !h.Found || h.Status != 408 || !within(h.Timeout, time.Second, 200*time.Millisecond) {
		t.Errorf("header timeout %+v, want 1s answered 408", h)
	}
	if !rep.HTTP10KeepAlive() || !rep.HTTP11Persistent() {
		t.Errorf("persistence %+v", rep.Persistence)
	}
	for _, i := range []int{0, 3} { // HTTP/1.0 plain, HTTP/1.1 + close
		if v := rep.Persistence[i]; v.Kept || !v.Announced || v.ClosedBy != "FIN" || v.Status != 200 {
			t.Errorf("%s: %+v, want closed by FIN, announced", v.Request, v)
		}
	}
	if p := rep.Pipelining; p.Answered != 3 || !p.InOrder {
		t.Errorf("pipelining %+v", p)
	}
	if rep.AdvertisedMax != 6 || rep.AdvertisedTimeout < 1 || rep.AdvertisedTimeout > 2 {
		t.Errorf("advertised timeout=%d max=%d, want 1..2 and 6 (max counts down from 7)", rep.AdvertisedTimeout, rep.AdvertisedMax)
	}
}

func TestAuditNginx(t *testing.T) {
	testrig.CheckLeaks(t)
	n := testrig.StartNginx(t, testrig.NginxConfig{KeepaliveTimeout: "3s 3", KeepaliveRequests: 9,
		Directives: "client_header_timeout 2s;"})
	url := "http://" + n.Addr + "/"
	rep := audit(t, Config{URL: url, MaxWait: 6 * time.Second})
	if !rep.Idle.Found || !within(rep.Idle.Timeout, 3*time.Second, 300*time.Millisecond) {
		t.Errorf("idle timeout %+v, want 3s", rep.Idle)
	}
	if q := rep.Requests; !q.Found || q.Max != 9 {
		t.Errorf("max requests %+v, want 9", q)
	}
	if rep.AdvertisedTimeout != 3 {
		t.Errorf("advertised timeout %d, want 3 (keepalive_timeout's second value)", rep.AdvertisedTimeout)
	}
	if h := rep.Header; !h.Found || !within(h.Timeout, 2*time.Second, 300*time.Millisecond) {
		t.Errorf("header timeout %+v, want 2s", h)
	}
	if !rep.HTTP10KeepAlive() || !rep.HTTP11Persistent() || rep.Pipelining.Answered != 3 {
		t.Errorf("persistence %+v, pipelining %+v", rep.Persistence, rep.Pipelining)
	}
	if !strings.HasPrefix(rep.Server, "nginx") {
		t.Errorf("server %q", rep.Server)
	}
}

// serveHTTP answers requests on c with "ok" until answer says to hang up.
// idle is how long the connection waited for the request.
func serveHTTP(c net.Conn, answer func(req *http1.Request, idle time.Duration) bool) {
	buf := make([]byte, 16<<10)
	var p http1.Parser
	var req http1.Request
	have := 0
	last := time.Now()
	for {
		n, err := c.Read(buf[have:])
		if n == 0 && err != nil {
			return
		}
		have += n
		for {
			p.Reset()
			m, err := p.ParseRequest(buf[:have], &req)
			if err != nil || m == 0 {
				break
			}
			copy(buf, buf[m:have])
			have -= m
			if !answer(&req, time.Since(last)) {
				return
			}
			keep := http1.Persistent(req.Version, req.Close, req.KeepAlive)
			resp := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
			if !keep {
				resp = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
			}
			if _, err := c.Write([]byte(resp)); err != nil || !keep {
				return
			}
			last = time.Now()
		}
	}
}

// A server that never closes an idle connection, but refuses one that was
// idle too long when it is used again, is found by bisection.
func TestIdleTimeoutOfALazyServer(t *testing.T) {
	testrig.CheckLeaks(t)
	const timeout = 1500 * time.Millisecond
	url := startRaw(t, func(c net.Conn) {
		serveHTTP(c, func(_ *http1.Request, idle time.Duration) bool { return idle < timeout })
	})
	rep := audit(t, Config{URL: url, MaxWait: 4 * time.Second, MaxRequests: 30})
	i := rep.Idle
	if !i.Found || i.ClosedBy != "lazy" {
		t.Fatalf("idle %+v, want found by bisection", i)
	}
	if i.Resolution > max(timeout/10, 500*time.Millisecond) || !within(i.Timeout, timeout, i.Resolution+50*time.Millisecond) {
		t.Errorf("idle timeout %v ± %v, want %v within 10%%", i.Timeout, i.Resolution, timeout)
	}
	if q := rep.Requests; q.Found || q.Max != 30 {
		t.Errorf("requests %+v, want no cap found within 30", q)
	}
	if rep.Header.Found {
		t.Errorf("header %+v: the server never times a head out", rep.Header)
	}
}

func TestNoLimitsWithinTheBounds(t *testing.T) {
	testrig.CheckLeaks(t)
	url := startHoldfast(t, holdfast.Policy{IdleTimeout: -1, MaxRequests: -1, HeaderTimeout: -1})
	rep := audit(t, Config{URL: url, MaxWait: time.Second, MaxRequests: 25})
	if rep.Idle.Found || rep.Requests.Found || rep.Header.Found {
		t.Errorf("found limits the server does not have: %+v %+v %+v", rep.Idle, rep.Requests, rep.Header)
	}
	var b strings.Builder
	WriteText(&b, rep)
	for _, want := range []string{"still open after 1s", "more than 25", "still waiting after 1s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestPipeliningRefused(t *testing.T) {
	testrig.CheckLeaks(t)
	// Answers the first request of a read and closes: pipelined requests
	// after it are lost.
	url := startRaw(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		if n, _ := c.Read(buf); n > 0 {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		}
	})
	p := probePipelining(context.Background(), mustTarget(t, url), &Config{Timeout: 2 * time.Second})
	if p.Answered != 1 || p.InOrder || !strings.Contains(p.Detail, "1 of 3 answered") {
		t.Errorf("pipelining %+v", p)
	}
}

func mustTarget(t *testing.T, url string) *target {
	t.Helper()
	tg, err := parseTarget(url, false)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestAuditFailures(t *testing.T) {
	testrig.CheckLeaks(t)
	refused := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return "http://" + ln.Addr().String() + "/"
	}()
	ssh := startRaw(t, func(c net.Conn) { c.Write([]byte("SSH-2.0-OpenSSH_9.2p1\r\n")); c.Read(make([]byte, 64)) })
	tls := startRaw(t, func(c net.Conn) { c.Read(make([]byte, 512)); c.Write([]byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46}) })
	mute := startRaw(t, func(c net.Conn) { c.Read(make([]byte, 512)); time.Sleep(time.Second) })
	for _, tc := range []struct {
		url  string
		want error
		text string
	}{
		{refused, ErrUnreachable, "connection refused"},
		{ssh, ErrNotHTTP, `"SSH-2.0-OpenSSH_9.2p1\r\n"`},
		{tls, ErrSpeaksTLS, "TLS"},
		{mute, ErrNotHTTP, "no complete answer"},
		{"https://" + strings.TrimPrefix(ssh, "http://"), ErrTLSHandshake, "TLS handshake failed with 127.0.0.1:"},
		{"http://[::1/", ErrBadURL, "bad URL"},
		{"http://127.0.0.1:99999/", ErrBadURL, "bad port"},
	} {
		_, err := Run(context.Background(), Config{URL: tc.url, Timeout: 300 * time.Millisecond})
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %v, want %v with %q", tc.url, err, tc.want, tc.text)
		}
	}
}

func TestReportJSON(t *testing.T) {
	testrig.CheckLeaks(t)
	url := startHoldfast(t, holdfast.Policy{IdleTimeout: time.Second, MaxRequests: 3, HeaderTimeout: 500 * time.Millisecond})
	rep := audit(t, Config{URL: url, MaxWait: 3 * time.Second})
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"max_requests": 3.0, "http10_keepalive": true, "http11_persistent": true, "pipelining": true,
		"advertised_max": 2.0, "header_timeout_status": 408.0,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if v, ok := m["idle_timeout_seconds"].(float64); !ok || v < 0.9 || v > 1.1 {
		t.Errorf("idle_timeout_seconds = %v", m["idle_timeout_seconds"])
	}
	if _, ok := m["advertised_timeout_seconds"].(float64); !ok {
		t.Errorf("advertised_timeout_seconds = %v", m["advertised_timeout_seconds"])
	}
}

func TestAuditServerWithoutKeepAlive(t *testing.T) {
	testrig.CheckLeaks(t)
	url := startHoldfast(t, holdfast.Policy{KeepAlive: holdfast.Off, HeaderTimeout: 300 * time.Millisecond})
	rep := audit(t, Config{URL: url, MaxWait: 2 * time.Second})
	for _, v := range rep.Persistence {
		if v.Kept || !v.Announced {
			t.Errorf("%s: %+v, want closed with Connection: close", v.Request, v)
		}
	}
	if q := rep.Requests; !q.Found || q.Max != 1 || !q.Announced {
		t.Errorf("requests %+v, want 1", q)
	}
	if rep.Idle.Found || rep.Idle.Error == "" {
		t.Errorf("idle %+v, want an explanation instead of a timeout", rep.Idle)
	}
	if p := rep.Pipelining; p.Answered != 1 || p.InOrder {
		t.Errorf("pipelining %+v, want 1 answered", p)
	}
}
