package sockopt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	wrap := func(e error) error { return fmt.Errorf("read: %w", os.NewSyscallError("read", e)) }
	cases := []struct {
		err     error
		writing bool
		want    Fault
	}{
		{nil, false, FaultNone},
		{errors.New("other"), true, FaultNone},
		{os.ErrDeadlineExceeded, false, FaultNone},
		{io.EOF, false, FaultClosed},
		{fmt.Errorf("body: %w", io.ErrUnexpectedEOF), false, FaultClosed},
		{wrap(syscall.ECONNRESET), false, FaultReset},
		{wrap(syscall.EPIPE), true, FaultReset},
		{wrap(syscall.ECONNABORTED), false, FaultReset},
		{wrap(syscall.ETIMEDOUT), false, FaultKeepAlive},
		{wrap(syscall.ETIMEDOUT), true, FaultUserTimeout},
		{wrap(syscall.EHOSTUNREACH), true, FaultUserTimeout},
		{wrap(syscall.ENETUNREACH), false, FaultKeepAlive},
	}
	for _, c := range cases {
		if got := Classify(c.err, c.writing); got != c.want {
			t.Errorf("Classify(%v, writing %v) = %d, want %d", c.err, c.writing, got, c.want)
		}
	}
}

// A diagnosed error carries TCP_INFO's answer, which beats the guess from
// the direction of the call; without an answer the guess stands.
func TestDiagnoseOverridesTheGuess(t *testing.T) {
	timedOut := os.NewSyscallError("write", syscall.ETIMEDOUT)
	probed := func() (TCPInfo, error) { return TCPInfo{State: StateClose, Probes: 3}, nil }
	err := Diagnose(timedOut, probed)
	if got := Classify(err, true); got != FaultKeepAlive {
		t.Errorf("a write that found keepalive's verdict: %d, want FaultKeepAlive", got)
	}
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Error("the diagnosed error does not wrap the original")
	}
	if Diagnose(err, func() (TCPInfo, error) { t.Fatal("diagnosed twice"); return TCPInfo{}, nil }) != err {
		t.Error("a diagnosed error was wrapped again")
	}
	unknown := Diagnose(timedOut, func() (TCPInfo, error) { return TCPInfo{}, syscall.ENOPROTOOPT })
	if got := Classify(unknown, true); got != FaultUserTimeout {
		t.Errorf("no TCP_INFO: %d, want the guess FaultUserTimeout", got)
	}
	if reset := os.NewSyscallError("read", syscall.ECONNRESET); Diagnose(reset, probed) != reset {
		t.Error("a reset was diagnosed")
	}
}

func TestSettingsResolve(t *testing.T) {
	cases := []struct {
		in   Settings
		want Options
	}{
		{Settings{}, Options{KeepAlive: true, Idle: DefaultIdle, Interval: DefaultInterval, Count: DefaultCount, UserTimeout: 70 * time.Second}},
		{Settings{Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 5}, Options{KeepAlive: true, Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 5, UserTimeout: 22 * time.Second}},
		{Settings{Idle: -1, Interval: -1, Count: -1, UserTimeout: -1}, Options{KeepAlive: true}},
		{Settings{UserTimeout: 9 * time.Second}, Options{KeepAlive: true, Idle: DefaultIdle, Interval: DefaultInterval, Count: DefaultCount, UserTimeout: 9 * time.Second}},
		{Settings{KeepAliveOff: true}, Options{Idle: DefaultIdle, Interval: DefaultInterval, Count: DefaultCount}},
		{Settings{KeepAliveOff: true, UserTimeout: 5 * time.Second}, Options{Idle: DefaultIdle, Interval: DefaultInterval, Count: DefaultCount, UserTimeout: 5 * time.Second}},
	}
	for _, c := range cases {
		if got := c.in.Resolve(); got != c.want {
			t.Errorf("%+v.Resolve() = %+v, want %+v", c.in, got, c.want)
		}
	}
}
