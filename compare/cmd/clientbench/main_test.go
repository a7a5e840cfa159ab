package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks for leaked goroutines, except two that fasthttp starts
// for itself and stops only on its own timers, with no call to stop them
// sooner: the HostClient's idle-connection cleaner (ends once the pool has
// been empty for MaxIdleConnDuration, 10 s) and the package-wide dialer's
// DNS cache cleaner (ends a tick after its cache empties).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreTopFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"))
}
