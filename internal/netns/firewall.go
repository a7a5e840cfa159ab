package netns

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// firewall installs and removes named sets of "drop everything" rules in a
// host's namespace. Each set is independent: a crashed router whose path
// is also broken drops everything until both are lifted.
type firewall interface {
	// drop makes hooks (input, output, forward) drop every packet.
	drop(ctx context.Context, h *Host, set string, hooks []string) error
	// undrop removes what drop installed for set.
	undrop(ctx context.Context, h *Host, set string, hooks []string) error
	String() string
}

// pickFirewall prefers nftables and falls back to iptables, trying each by
// really changing rules in the router's namespace: a binary that exists
// but cannot talk to the kernel must not be picked.
func pickFirewall(ctx context.Context, probe *Host) (firewall, error) {
	return pickFirewallFrom(ctx, probe, []firewall{nftables{}, iptables{}})
}

// pickFirewallFrom returns the first of candidates that works on probe.
func pickFirewallFrom(ctx context.Context, probe *Host, candidates []firewall) (firewall, error) {
	var errs []error
	for _, fw := range candidates {
		if _, err := exec.LookPath(fw.String()); err != nil {
			errs = append(errs, err)
			continue
		}
		hooks := []string{"forward"}
		err := fw.drop(ctx, probe, "probe", hooks)
		if err == nil {
			err = fw.undrop(ctx, probe, "probe", hooks)
		}
		if err == nil {
			return fw, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// nftables puts each set in its own inet table (IPv4 and IPv6), with one
// base chain per hook whose policy is drop. Priority -300 runs before
// anything else that might answer a packet.
type nftables struct{}

func (nftables) String() string { return "nft" }

func (nftables) drop(ctx context.Context, h *Host, set string, hooks []string) error {
	table := "inet holdfast_" + set
	lines := []string{"add table " + table}
	for _, hook := range hooks {
		lines = append(lines, fmt.Sprintf(
			"add chain %s %s { type filter hook %s priority -300; policy drop; }", table, hook, hook))
	}
	return nftScript(ctx, h, lines)
}

func (nftables) undrop(ctx context.Context, h *Host, set string, _ []string) error {
	// Adding before deleting makes the removal succeed whether or not the
	// table exists (nft 1.0.6 has no "destroy"); both happen in one
	// transaction, so no packet sees the empty table.
	table := "inet holdfast_" + set
	return nftScript(ctx, h, []string{"add table " + table, "delete table " + table})
}

func nftScript(ctx context.Context, h *Host, lines []string) error {
	_, err := run(ctx, strings.Join(lines, "\n")+"\n", "ip", "netns", "exec", h.Name, "nft", "-f", "-")
	return err
}

// iptables inserts one DROP rule per hook at the head of the built-in
// chain, IPv4 only (the topology is IPv4). Rules of different sets are
// identical, so deleting "one DROP rule" per hook undoes exactly one set;
// Host keeps sets from being installed twice.
type iptables struct{}

func (iptables) String() string { return "iptables" }

func (iptables) drop(ctx context.Context, h *Host, _ string, hooks []string) error {
	return iptablesEach(ctx, h, "-I", hooks)
}

func (iptables) undrop(ctx context.Context, h *Host, _ string, hooks []string) error {
	return iptablesEach(ctx, h, "-D", hooks)
}

func iptablesEach(ctx context.Context, h *Host, op string, hooks []string) error {
	for _, hook := range hooks {
		if _, err := run(ctx, "", "ip", "netns", "exec", h.Name,
			"iptables", "-w", op, strings.ToUpper(hook), "-j", "DROP"); err != nil {
			return err
		}
	}
	return nil
}
