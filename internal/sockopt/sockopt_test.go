package sockopt

import (
	"net"
	"testing"
	"time"
)

func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestApplyReadBack(t *testing.T) {
	if !Supported {
		t.Skip("reading options back is implemented on Linux only")
	}
	_, c := pair(t)
	want := Options{KeepAlive: true, Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 4, UserTimeout: 9500 * time.Millisecond}
	if err := Apply(c, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(c)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
}

func TestApplyRoundsUpToSeconds(t *testing.T) {
	if !Supported {
		t.Skip("reading options back is implemented on Linux only")
	}
	_, c := pair(t)
	if err := Apply(c, Options{KeepAlive: true, Idle: 1500 * time.Millisecond, Interval: time.Millisecond, Count: 2}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(c)
	if err != nil {
		t.Fatal(err)
	}
	if got.Idle != 2*time.Second || got.Interval != time.Second {
		t.Fatalf("idle %v interval %v, want 2s and 1s", got.Idle, got.Interval)
	}
}

func TestDisable(t *testing.T) {
	if !Supported {
		t.Skip("reading options back is implemented on Linux only")
	}
	_, c := pair(t)
	if err := Apply(c, Options{KeepAlive: false}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(c)
	if err != nil {
		t.Fatal(err)
	}
	if got.KeepAlive {
		t.Fatal("SO_KEEPALIVE still on")
	}
}

func TestNotTCP(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if err := Apply(a, Options{KeepAlive: true}); err != ErrNotTCP {
		t.Fatalf("got %v, want ErrNotTCP", err)
	}
}
