package proxy

import (
	"log/slog"
	"net/url"
	"testing"
	"time"
)

// An upstream is ejected after EjectAfter connection failures in a row;
// each ejection in a row lasts twice the one before, from 1 s up to 30 s;
// a success ends it and starts the count over.
func TestEjectionCooldownGrows(t *testing.T) {
	cfg := Config{EjectAfter: 2, ErrorLog: slog.New(slog.DiscardHandler)}.resolve()
	u := newUpstream(&url.URL{Scheme: "http", Host: "127.0.0.1:1"}, "http://127.0.0.1:1", &cfg)
	u.connectFailed()
	if !u.healthy() {
		t.Fatal("ejected after one failure; EjectAfter is 2")
	}
	var got []time.Duration
	for i := 0; i < 8; i++ {
		u.connectFailed()
		if u.healthy() {
			t.Fatalf("ejection %d: still healthy", i+1)
		}
		got = append(got, u.cooldown)
		u.ejectedUntil.Store(monotime() - 1) // the cool-down passed: half open
		if !u.healthy() {
			t.Fatalf("ejection %d: not tried again after its cool-down", i+1)
		}
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("cool-downs %v, want %v seconds", got, want)
		}
	}
	if n := u.ejections.Load(); n != 8 {
		t.Errorf("%d ejections counted, want 8", n)
	}
	u.connected()
	u.connectFailed()
	if !u.healthy() || u.cooldown != 0 {
		t.Errorf("after a success: healthy %v, cool-down %v; want true, 0", u.healthy(), u.cooldown)
	}
}
