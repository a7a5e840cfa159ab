package netns

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// eachFirewall runs test on a fresh topology once per packet filter that
// works here, so the iptables fallback is exercised even where nft works.
func eachFirewall(t *testing.T, test func(t *testing.T, tp *Topology)) {
	for _, fw := range []firewall{nftables{}, iptables{}} {
		t.Run(fw.String(), func(t *testing.T) {
			t.Parallel()
			tp := New(t)
			if err := usable(tp, fw); err != nil {
				t.Skipf("%v unusable here: %v", fw, err)
			}
			tp.fw = fw
			test(t, tp)
		})
	}
}

// usable tries fw on the router, as pickFirewall does.
func usable(tp *Topology, fw firewall) error {
	if tp.fw.String() == fw.String() {
		return nil
	}
	got, err := pickFirewallFrom(background(), tp.Router, []firewall{fw})
	if err == nil && got.String() != fw.String() {
		err = errors.New("not picked")
	}
	return err
}

func TestCrash(t *testing.T) {
	t.Parallel()
	eachFirewall(t, func(t *testing.T, tp *Topology) {
		client, server := connPair(t, tp)
		closed := closedPort(t, tp.Client)
		expectDial(t, tp.Server, closed, "refused") // the kernel answers with RST...

		if err := tp.Client.Crash(); err != nil {
			t.Fatal(err)
		}
		if err := tp.Client.Crash(); err != nil { // idempotent
			t.Fatal(err)
		}
		expectDial(t, tp.Server, closed, "timeout") // ...but not while crashed
		if _, err := server.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		waitRetransmit(t, server) // not acknowledged
		expectSilence(t, server, "server")
		expectSilence(t, client, "client")

		if err := tp.Client.Recover(); err != nil {
			t.Fatal(err)
		}
		readExactly(t, client, "ping") // delivered by a retransmission
		exchange(t, client, server, "pong")
		expectDial(t, tp.Server, closed, "refused")
	})
}

func TestReboot(t *testing.T) {
	t.Parallel()
	eachFirewall(t, func(t *testing.T, tp *Topology) {
		client, server := connPair(t, tp)
		if err := tp.Client.Reboot(client); err != nil {
			t.Fatal(err)
		}
		// The reset sent by the close was dropped: the server knows nothing.
		expectSilence(t, server, "server")
		if _, err := server.Write([]byte("anyone?")); err != nil {
			t.Fatal(err)
		}
		server.SetReadDeadline(time.Now().Add(eventual))
		n, err := server.Read(make([]byte, 1))
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("server read after the client rebooted = %d, %v; want ECONNRESET", n, err)
		}
	})
}

func TestRebootNeedsTCP(t *testing.T) {
	t.Parallel()
	tp := New(t)
	a, b := net.Pipe()
	defer b.Close()
	if err := tp.Client.Reboot(a); !errors.Is(err, ErrNotTCP) {
		t.Fatalf("Reboot(pipe) = %v, want ErrNotTCP", err)
	}
	// The host is up again all the same.
	connPair(t, tp)
}

func TestBreakPath(t *testing.T) {
	t.Parallel()
	eachFirewall(t, func(t *testing.T, tp *Topology) {
		client, server := connPair(t, tp)
		closed := closedPort(t, tp.Server)
		expectDial(t, tp.Client, closed, "refused")

		if err := tp.BreakPath(); err != nil {
			t.Fatal(err)
		}
		expectDial(t, tp.Client, closed, "timeout") // no RST, no ICMP
		// Only forwarding stops: the router itself still answers.
		expectDial(t, tp.Client, closedPort(t, tp.Router), "refused")
		if _, err := client.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		waitRetransmit(t, client)
		expectSilence(t, server, "server")
		expectSilence(t, client, "client")

		if err := tp.RepairPath(); err != nil {
			t.Fatal(err)
		}
		if err := tp.RepairPath(); err != nil { // idempotent
			t.Fatal(err)
		}
		readExactly(t, server, "ping")
		exchange(t, server, client, "pong")
		expectDial(t, tp.Client, closed, "refused")
	})
}

// TestFaultsCompose checks that filter sets are independent: a router that
// is crashed and cut stays dead until both are lifted.
func TestFaultsCompose(t *testing.T) {
	t.Parallel()
	eachFirewall(t, func(t *testing.T, tp *Topology) {
		closed := closedPort(t, tp.Server)
		for _, step := range []struct {
			do   func() error
			want string
		}{
			{tp.BreakPath, "timeout"},
			{tp.Router.Crash, "timeout"},
			{tp.RepairPath, "timeout"},
			{tp.Router.Recover, "refused"},
		} {
			if err := step.do(); err != nil {
				t.Fatal(err)
			}
			expectDial(t, tp.Client, closed, step.want)
		}
	})
}
