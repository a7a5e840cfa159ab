package admin_test

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"holdfast"
	"holdfast/admin"
)

// /live answers 200 throughout; /ready follows the readiness the program
// gives, and answers 503 once it drains.
func TestProbes(t *testing.T) {
	var draining atomic.Bool
	src := &holdfast.Server{}
	addr := serve(t, &holdfast.Server{Handler: admin.Handler(src, admin.WithReadiness(func() bool { return !draining.Load() }))})
	probe := func(path string) (int, string) {
		t.Helper()
		resp, err := testClient.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		draining bool
		path     string
		status   int
		body     string
	}{
		{false, "/ready", http.StatusOK, "ready\n"},
		{false, "/live", http.StatusOK, "live\n"},
		{true, "/ready", http.StatusServiceUnavailable, "draining\n"},
		{true, "/live", http.StatusOK, "live\n"},
	} {
		draining.Store(tc.draining)
		if status, body := probe(tc.path); status != tc.status || body != tc.body {
			t.Errorf("draining=%v %s: %d %q, want %d %q", tc.draining, tc.path, status, body, tc.status, tc.body)
		}
	}
}

// Without WithReadiness the admin listener is ready while it serves.
func TestReadyByDefault(t *testing.T) {
	addr := serve(t, &holdfast.Server{Handler: admin.Handler(&holdfast.Server{})})
	resp, err := testClient.Get("http://" + addr + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/ready: %d", resp.StatusCode)
	}
}
