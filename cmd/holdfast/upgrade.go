package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"

	"github.com/cloudflare/tableflip"

	"holdfast"
)

// Upgrading in place (--upgradable): on upgradeSignal the running binary
// starts the binary at the same path with the same arguments and hands it
// its listening sockets (github.com/cloudflare/tableflip); once the new
// process serves, the old one stops accepting, drains its connections and
// exits. The listening sockets stay open throughout, so no connection is
// refused. --pid-file names the serving process, rewritten by each new one
// once it is ready.

// upgrades is a front server's side of in-place upgrades; its zero value
// (without --upgradable) listens the ordinary way.
type upgrades struct {
	upg     *tableflip.Upgrader // nil without --upgradable
	pidFile string
	stop    chan struct{} // ends the signal watch
}

// errUpgradeUnsupported: this system has no upgrade signal.
var errUpgradeUnsupported = errors.New("--upgradable: in-place upgrades need a Unix system")

// startUpgrades prepares upgrades as the flags ask, and watches for the
// signal that starts one; each attempt is told on log.
func startUpgrades(cfg *frontConfig, log io.Writer) (*upgrades, error) {
	u := &upgrades{pidFile: cfg.pidFile, stop: make(chan struct{})}
	if !cfg.upgradable {
		return u, nil
	}
	if upgradeSignal == nil {
		return nil, errUpgradeUnsupported
	}
	upg, err := tableflip.New(tableflip.Options{PIDFile: cfg.pidFile})
	if err != nil {
		return nil, fmt.Errorf("--upgradable: %w", err)
	}
	u.upg = upg
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, upgradeSignal)
	go u.watch(sig, log)
	return u, nil
}

// watch starts an upgrade on each signal, until the process hands over or
// stops.
func (u *upgrades) watch(sig chan os.Signal, log io.Writer) {
	defer signal.Stop(sig)
	for {
		select {
		case <-sig:
		case <-u.upg.Exit():
			return
		case <-u.stop:
			return
		}
		fmt.Fprintf(log, "holdfast: upgrading: starting %s\n", os.Args[0])
		if err := u.upg.Upgrade(); err != nil {
			fmt.Fprintf(log, "holdfast: upgrade failed, still serving: %v\n", err)
		}
	}
}

// listen listens on addr, or takes over the socket the previous process
// listened on there.
func (u *upgrades) listen(addr string) (net.Listener, error) {
	if u.upg == nil {
		return holdfast.Listen(addr)
	}
	return u.upg.ListenWithCallback("tcp", addr, func(_, addr string) (net.Listener, error) {
		return holdfast.Listen(addr)
	})
}

// ready says the process serves: the previous one, if any, may drain;
// the PID file names this one.
func (u *upgrades) ready() error {
	if u.upg != nil {
		return u.upg.Ready()
	}
	if u.pidFile == "" {
		return nil
	}
	return os.WriteFile(u.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// exit is closed once a new process took over (never without upgrades).
func (u *upgrades) exit() <-chan struct{} {
	if u.upg == nil {
		return nil
	}
	return u.upg.Exit()
}

// close ends the signal watch; after a hand-over it leaves the sockets to
// the new process.
func (u *upgrades) close() {
	close(u.stop)
	if u.upg != nil {
		u.upg.Stop()
	}
}
