package netns

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// Capability bits from linux/capability.h, as they appear in CapEff.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// environment is what New needs from the machine, gathered in one place so
// the skip decision can be tested on any machine, root or not.
type environment struct {
	goos     string
	euid     int
	capEff   uint64 // effective capabilities; meaningful on Linux only
	lookPath func(string) (string, error)
}

// currentEnvironment describes the running process.
func currentEnvironment() environment {
	return environment{
		goos:     runtime.GOOS,
		euid:     os.Geteuid(),
		capEff:   effectiveCaps(),
		lookPath: exec.LookPath,
	}
}

// skipReason says why topologies cannot be built here, or "" if they can.
// Root is checked before capabilities because "run as root" is the fix a
// reader expects; capabilities catch root inside an unprivileged container.
func (e environment) skipReason() string {
	switch {
	case e.goos != "linux":
		return fmt.Sprintf("netns: skipping: network namespaces need Linux, GOOS is %s", e.goos)
	case e.euid != 0:
		return fmt.Sprintf("netns: skipping: creating network namespaces needs root, running as euid %d", e.euid)
	case e.capEff&(1<<capSysAdmin) == 0 || e.capEff&(1<<capNetAdmin) == 0:
		return fmt.Sprintf("netns: skipping: root lacks CAP_SYS_ADMIN or CAP_NET_ADMIN (CapEff %016x); an unprivileged container?", e.capEff)
	}
	for _, cmd := range []string{"ip", "ss"} {
		if _, err := e.lookPath(cmd); err != nil {
			return fmt.Sprintf("netns: skipping: the %s command (iproute2) is not in PATH", cmd)
		}
	}
	_, nftErr := e.lookPath("nft")
	_, iptErr := e.lookPath("iptables")
	if nftErr != nil && iptErr != nil {
		return "netns: skipping: neither nft (nftables) nor iptables is in PATH; one is needed to drop packets"
	}
	return ""
}
