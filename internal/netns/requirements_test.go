package netns

import (
	"errors"
	"strings"
	"testing"
)

// TestSkipReason checks the skip messages, which every non-root or
// non-Linux run of the suite relies on, from any machine.
func TestSkipReason(t *testing.T) {
	t.Parallel()
	all := func(string) (string, error) { return "/usr/sbin/x", nil }
	without := func(missing ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, m := range missing {
				if name == m {
					return "", errors.New("not found")
				}
			}
			return all(name)
		}
	}
	const caps = 1<<capSysAdmin | 1<<capNetAdmin
	tests := []struct {
		name string
		env  environment
		want string // substring of the reason; "" means no skip
	}{
		{"ok", environment{"linux", 0, caps, all}, ""},
		{"nft only", environment{"linux", 0, caps, without("iptables")}, ""},
		{"iptables only", environment{"linux", 0, caps, without("nft")}, ""},
		{"not linux", environment{"darwin", 0, caps, all}, "need Linux, GOOS is darwin"},
		{"not root", environment{"linux", 1000, caps, all}, "needs root, running as euid 1000"},
		{"no caps", environment{"linux", 0, 1 << capNetAdmin, all}, "CAP_SYS_ADMIN"},
		{"no ip", environment{"linux", 0, caps, without("ip")}, "the ip command (iproute2)"},
		{"no ss", environment{"linux", 0, caps, without("ss")}, "the ss command (iproute2)"},
		{"no filter", environment{"linux", 0, caps, without("nft", "iptables")}, "neither nft (nftables) nor iptables"},
	}
	for _, tc := range tests {
		got := tc.env.skipReason()
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: skipReason() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSkipReasonHere ties the decision to this process: a non-root run
// must skip and say why.
func TestSkipReasonHere(t *testing.T) {
	t.Parallel()
	env := currentEnvironment()
	got := env.skipReason()
	if env.goos == "linux" && env.euid != 0 && !strings.Contains(got, "root") {
		t.Errorf("euid %d: skipReason() = %q, want a message about root", env.euid, got)
	}
	t.Logf("skip reason here: %q", got)
}
