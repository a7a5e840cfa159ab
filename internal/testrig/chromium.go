package testrig

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// chromiumPath is Debian's Chromium.
const chromiumPath = "/usr/bin/chromium"

// ChromiumDOM loads url in headless Chromium and returns the DOM as it
// stands once the page's scripts have run (virtual time lets the load event
// and the page's fetches finish before the dump); flags are added to
// Chromium's command line. The test is skipped when Chromium is not
// installed.
func ChromiumDOM(t testing.TB, url string, flags ...string) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("headless-browser test skipped: %s not found (apt-get install -y chromium)", chromiumPath)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=10000", "--dump-dom"}, flags...)
	cmd := exec.CommandContext(ctx, chromiumPath, append(args, url)...)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish in time: %v\nstderr:\n%s", ctx.Err(), stderr.String())
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && len(out) > 0 {
			t.Logf("chromium exited with %v after dumping the DOM", err)
		} else {
			t.Fatalf("chromium: %v\nstderr:\n%s", err, stderr.String())
		}
	}
	return string(out)
}
