package holdfast_test

import (
	"testing"
	"time"

	"holdfast"
)

// Resolved fills in the defaults, keeps what was set, says -1 for a limit
// that is off, and is its own fixed point.
func TestPolicyResolved(t *testing.T) {
	def := holdfast.Policy{}.Resolved()
	if def.KeepAlive != holdfast.On || def.IdleTimeout != holdfast.DefaultIdleTimeout || def.MaxRequests != holdfast.DefaultMaxRequests ||
		def.TCPKeepAliveIdle != holdfast.DefaultTCPKeepAliveIdle || def.TCPUserTimeout != 70*time.Second || def.AdvertiseKeepAlive != holdfast.On {
		t.Errorf("default policy resolved to %+v", def)
	}
	set := holdfast.Policy{KeepAlive: holdfast.Off, IdleTimeout: 5 * time.Second, MaxRequests: -1, MaxAge: -1, TCPKeepAlive: holdfast.Off}.Resolved()
	if set.KeepAlive != holdfast.Off || set.IdleTimeout != 5*time.Second || set.MaxRequests != -1 || set.MaxAge != -1 ||
		set.TCPKeepAlive != holdfast.Off || set.TCPUserTimeout != -1 {
		t.Errorf("policy resolved to %+v", set)
	}
	for _, p := range []holdfast.Policy{def, set, holdfast.Policy{}.ClassicTCPKeepAlive().Resolved()} {
		if again := p.Resolved(); again != p {
			t.Errorf("Resolved is not its own fixed point:\n%+v\n%+v", p, again)
		}
	}
}
