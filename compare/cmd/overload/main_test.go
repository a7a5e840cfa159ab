package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The soak, shortened: holdfast serve is built and started, the good load
// runs, and the row reports what it saw.
func TestSoakRow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds holdfast")
	}
	cfg := config{duration: 2 * time.Second, good: 2, engine: "auto"}
	bin := t.TempDir() + "/holdfast"
	if err := buildHoldfast(bin); err != nil {
		t.Fatal(err)
	}
	res, err := runScenario(cfg, bin, "soak")
	if err != nil {
		t.Fatal(err)
	}
	row := res.row("soak")
	if res.goodRPS <= 0 || res.goodFailed != 0 || res.peakRSS <= 0 || !strings.HasPrefix(row, "| soak | ") {
		t.Fatalf("%+v: %s", res, row)
	}
}

// The attackers are slowhttptest's modes; an unknown scenario is refused.
func TestAttacker(t *testing.T) {
	cfg := config{duration: 30 * time.Second, attackers: 10, rate: 5}
	if a, _ := attacker(cfg, "slowloris", "http://x/"); len(a) < 2 || a[1] != "-H" {
		t.Fatalf("slowloris: %q", a)
	}
	if a, _ := attacker(cfg, "slowbody", "http://x/"); len(a) < 2 || a[1] != "-B" {
		t.Fatalf("slowbody: %q", a)
	}
	if _, err := attacker(cfg, "teardrop", ""); err == nil {
		t.Fatal("an unknown scenario was accepted")
	}
	if _, err := exec.LookPath("slowhttptest"); err != nil {
		t.Log("slowhttptest is not installed: the attack scenarios would refuse to run")
	}
}
