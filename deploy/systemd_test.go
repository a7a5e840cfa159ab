package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"holdfast/internal/config"
)

// verifyUnit runs systemd-analyze verify on the unit text, with the
// holdfast binary it names standing for an executable here.
func verifyUnit(t *testing.T, text string) (string, error) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (CI installs systemd)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "holdfast.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(text, "/usr/local/bin/holdfast", self)), 0o644)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// The unit passes systemd-analyze verify without a warning.
func TestSystemdUnitVerifies(t *testing.T) {
	unit, err := os.ReadFile("systemd/holdfast.service")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verifyUnit(t, string(unit)); err != nil || out != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if out, _ := verifyUnit(t, string(unit)+"\n[Service]\nNoNewPrivilege=yes\n"); !strings.Contains(out, "NoNewPrivilege") {
		t.Fatalf("a misspelt key passes systemd-analyze verify unnoticed: %q", out)
	}
}

// The unit is hardened, reloads by checking the file then SIGHUP, and
// gives holdfast longer to stop than the example's drain-delay and
// drain-timeout together.
func TestSystemdUnitSettings(t *testing.T) {
	keys := unitKeys(t, "systemd/holdfast.service")
	for key, want := range map[string]string{
		"DynamicUser": "yes", "NoNewPrivileges": "yes", "LimitNOFILE": "1048576", "ProtectSystem": "strict",
		"ExecReload": "/usr/local/bin/holdfast check -c /etc/holdfast/holdfast.yaml\n/bin/kill -HUP $MAINPID",
		"ExecStart":  "/usr/local/bin/holdfast run -c /etc/holdfast/holdfast.yaml",
	} {
		if keys[key] != want {
			t.Errorf("%s=%q, want %q", key, keys[key], want)
		}
	}
	f, err := config.Load("holdfast.yaml")
	if err != nil {
		t.Fatal(err)
	}
	drainTimeout, _ := f.Setting("drain-timeout")
	d, _ := time.ParseDuration(drainTimeout.Value)
	stop, _ := time.ParseDuration(keys["TimeoutStopSec"] + "s")
	if stop <= f.DrainDelay+d {
		t.Errorf("TimeoutStopSec=%s; drain-delay and drain-timeout take %s", stop, f.DrainDelay+d)
	}
}

// unitKeys reads a unit's keys; a key given more than once has its
// values on lines of their own.
func unitKeys(t *testing.T, path string) map[string]string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if keys[key] != "" {
			value = keys[key] + "\n" + value
		}
		keys[key] = value
	}
	return keys
}
