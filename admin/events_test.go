package admin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/admin"
)

// eventStream reads a live page's feed.
type eventStream struct {
	t    *testing.T
	sc   *bufio.Scanner
	stop context.CancelFunc
}

func openEvents(t *testing.T, adminURL string) *eventStream {
	t.Helper()
	// The stream has no end: the context bounds it, as frameWhere bounds
	// the frames it reads.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	req, _ := http.NewRequestWithContext(ctx, "GET", adminURL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	return &eventStream{t: t, sc: bufio.NewScanner(resp.Body), stop: cancel}
}

// next returns the next event's name and data.
func (s *eventStream) next() (string, []byte) {
	s.t.Helper()
	var name string
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			return name, []byte(strings.TrimPrefix(line, "data: "))
		}
	}
	s.t.Fatalf("feed ended: %v", s.sc.Err())
	return "", nil
}

// liveFrame is the part of a frame the tests read.
type liveFrame struct {
	Sentence string `json:"sentence"`
	Sample   struct {
		Requests uint64            `json:"requests"`
		Open     map[string]int64  `json:"open"`
		Closed   map[string]uint64 `json:"closed"`
	} `json:"sample"`
	Conns struct {
		Count   int               `json:"count"`
		All     bool              `json:"all"`
		List    []json.RawMessage `json:"list"`
		Busiest []struct {
			ID       uint64 `json:"id"`
			Requests uint64 `json:"requests"`
		} `json:"busiest"`
		Oldest []struct {
			ID uint64 `json:"id"`
		} `json:"oldest"`
	} `json:"connections"`
}

// frameWhere reads frames until cond holds (bounded in count).
func (s *eventStream) frameWhere(what string, cond func(*liveFrame) bool) *liveFrame {
	s.t.Helper()
	for range 200 {
		name, data := s.next()
		if name != "frame" {
			continue
		}
		var f liveFrame
		if err := json.Unmarshal(data, &f); err != nil {
			s.t.Fatal(err)
		}
		if cond(&f) {
			return &f
		}
	}
	s.t.Fatalf("no frame showed %s", what)
	return nil
}

// The feed says hello with the info and history, then follows what the
// server does.
func TestEvents(t *testing.T) {
	runEngines(t, func(t *testing.T, e holdfast.Engine) {
		r := newMetricsRig(t, e, holdfast.Policy{IdleTimeout: time.Minute}, admin.WithVersion("v-test"), admin.WithRefresh(20*time.Millisecond))
		ev := openEvents(t, r.adminURL)
		name, data := ev.next()
		var hi struct {
			Info struct {
				Version string `json:"version"`
				Engine  string `json:"engine"`
				Policy  []struct{ Name, Value string }
			} `json:"info"`
			Refresh float64 `json:"refresh_seconds"`
		}
		if err := json.Unmarshal(data, &hi); name != "hello" || err != nil {
			t.Fatalf("first event %q %s: %v", name, data, err)
		}
		if hi.Info.Version != "v-test" || hi.Info.Engine != e.String() || len(hi.Info.Policy) == 0 || hi.Refresh != 0.02 {
			t.Errorf("hello: %+v", hi)
		}
		f := ev.frameWhere("an empty server", func(f *liveFrame) bool { return true })
		if f.Conns.Count != 0 || !strings.HasPrefix(f.Sentence, "No connection") {
			t.Errorf("first frame: %+v", f)
		}
		get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
		c := exchange(t, r.appAddr, get, true)
		sendAndRead(t, c, get)
		f = ev.frameWhere("the connection", func(f *liveFrame) bool { return f.Conns.Count == 1 && f.Sample.Requests == 2 })
		if !f.Conns.All || len(f.Conns.List) != 1 || f.Sample.Open["idle"] != 1 || !strings.HasPrefix(f.Sentence, "50 % of requests reused a connection") {
			t.Errorf("frame with one connection: %+v", f)
		}
		c.Close()
		f = ev.frameWhere("the close", func(f *liveFrame) bool { return f.Conns.Count == 0 && f.Sample.Closed["client-close"] == 1 })
		if !strings.Contains(f.Sentence, "most closes are client-close") {
			t.Errorf("sentence %q", f.Sentence)
		}
	})
}

// With 10,000 connections open the feed carries their count and the
// busiest and oldest few, not 10,000 rows.
func TestEventsManyConnections(t *testing.T) {
	const n = 10000
	r := newMetricsRig(t, holdfast.EngineAuto, holdfast.Policy{IdleTimeout: 5 * time.Minute}, admin.WithRefresh(50*time.Millisecond))
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	busy := exchange(t, r.appAddr, get, true)
	defer busy.Close()
	for range 4 {
		sendAndRead(t, busy, get)
	}
	holdConns(t, r.appAddr, n-1)
	ev := openEvents(t, r.adminURL)
	f := ev.frameWhere("10,000 connections", func(f *liveFrame) bool { return f.Conns.Count == n })
	if f.Conns.All || len(f.Conns.List) != 0 || len(f.Conns.Busiest) != 15 || len(f.Conns.Oldest) != 15 {
		t.Fatalf("with %d connections: all=%v, %d listed, %d busiest, %d oldest", n, f.Conns.All, len(f.Conns.List), len(f.Conns.Busiest), len(f.Conns.Oldest))
	}
	if f.Conns.Busiest[0].Requests != 5 || f.Conns.Oldest[0].ID != f.Conns.Busiest[0].ID {
		t.Errorf("busiest %+v, oldest %+v: want the connection of 5 requests, opened first", f.Conns.Busiest[0], f.Conns.Oldest[0])
	}
}
