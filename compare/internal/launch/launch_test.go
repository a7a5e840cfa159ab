package launch

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFullArgv(t *testing.T) {
	s := Spec{Argv: []string{"nginx", "-c", "x"}, CPU: "0", NoFile: 20000}
	want := []string{"prlimit", "--nofile=20000:20000", "taskset", "-c", "0", "nginx", "-c", "x"}
	if got := s.FullArgv(); !reflect.DeepEqual(got, want) {
		t.Fatalf("FullArgv = %q", got)
	}
	if got := (Spec{Argv: []string{"a"}}).FullArgv(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("unpinned FullArgv = %q", got)
	}
}

func TestStartStop(t *testing.T) {
	p, err := Start(Spec{Name: "sh", Argv: []string{"sh", "-c", "echo hello; exec sleep 30"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = p.WaitReady(5*time.Second, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || p.Alive() != nil {
		t.Fatalf("WaitReady = %v, alive %v", err, p.Alive())
	}
	p.Stop()
	if p.Alive() == nil || !strings.Contains(p.Tail(), "hello") {
		t.Fatalf("after Stop: alive %v, tail %q", p.Alive(), p.Tail())
	}
}

func TestWaitReadySeesExit(t *testing.T) {
	p, err := Start(Spec{Name: "false", Argv: []string{"sh", "-c", "echo bad config >&2; exit 1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	err = p.WaitReady(5*time.Second, func() error { return errors.New("never") })
	if err == nil || !strings.Contains(err.Error(), "bad config") {
		t.Fatalf("WaitReady = %v, want the exit with its output", err)
	}
}
