package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast"
	"holdfast/admin"
	"holdfast/metrics"
	"holdfast/proxy"
)

// proxyConfig is what the proxy flags set: the front side's, as serve's,
// and the upstreams'.
type proxyConfig struct {
	frontConfig
	upstreams listValue
	balance   string
	proxy     proxy.Config
}

func proxyFlags(cfg *proxyConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	frontFlags(fs, &cfg.frontConfig)
	p := &cfg.proxy
	fs.Var(&cfg.upstreams, "upstream", "`URL` of an upstream, http://host[:port][/path]; repeat for more")
	fs.StringVar(&cfg.balance, "balance", proxy.RandomTwo.String(), "`MODE` of picking an upstream: random-two, round-robin or least-requests")
	fs.BoolVar(&p.PreserveHost, "preserve-host", false, "send the client's Host upstream instead of the upstream's")
	durationVar(fs, &p.IdleTimeout, "upstream-idle-timeout", proxy.DefaultIdleTimeout, "how long an upstream connection is kept idle; an upstream's shorter Keep-Alive: timeout= wins (0: no limit)")
	numberVar(fs, &p.MaxIdle, "upstream-max-idle", proxy.DefaultMaxIdle, 0, "idle connections kept per upstream (0: no limit)")
	numberVar(fs, &p.MaxConns, "upstream-max-conns", 0, 0, "connections per upstream, idle and busy; requests beyond it wait (0: no limit)")
	durationVar(fs, &p.Timeout, "upstream-timeout", proxy.DefaultTimeout, "longest wait for an upstream's response head, else 504 (0: no limit)")
	positiveDurationVar(fs, &p.DialTimeout, "upstream-dial-timeout", proxy.DefaultDialTimeout, "longest connection attempt to an upstream")
	numberVar(fs, &p.Retries, "upstream-retries", proxy.DefaultRetries, 0, "times a failed request may be sent again, when RFC 9110 allows it (0: never)")
	numberVar(fs, &p.EjectAfter, "eject-after", proxy.DefaultEjectAfter, 1, "failed connection attempts in a row that take an upstream out for a cool-down (1 s, doubling to 30 s)")
	fs.StringVar(&p.HealthPath, "health-path", "", "`PATH` to GET on each upstream every --health-interval; an answer other than 2xx or 3xx takes it out")
	positiveDurationVar(fs, &p.HealthInterval, "health-interval", proxy.DefaultHealthInterval, "time between active health checks")
	fs.BoolVar(&p.DisableTCPKeepAlive, "no-upstream-tcp-keepalive", false, "do not send TCP keepalive probes on upstream connections")
	positiveDurationVar(fs, &p.TCPKeepAliveIdle, "upstream-tcp-keepalive-idle", holdfast.DefaultTCPKeepAliveIdle, "quiet time before the first TCP keepalive probe to an upstream")
	positiveDurationVar(fs, &p.TCPKeepAliveInterval, "upstream-tcp-keepalive-interval", holdfast.DefaultTCPKeepAliveInterval, "time between unanswered TCP keepalive probes to an upstream")
	numberVar(fs, &p.TCPKeepAliveCount, "upstream-tcp-keepalive-count", holdfast.DefaultTCPKeepAliveCount, 1, "unanswered probes before an upstream is declared dead")
	durationVar(fs, &p.TCPUserTimeout, "upstream-tcp-user-timeout", 0, "longest time a request sent upstream may stay unacknowledged, Linux (0: idle + interval × count)")
	return fs
}

func printProxyUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: holdfast proxy [flags] --upstream URL [--upstream URL ...]

A reverse proxy: holdfast's server in front, with every flag of serve,
and a pool of persistent connections to each upstream, shared by all
requests. Hop-by-hop fields are removed; X-Forwarded-For, X-Forwarded-Proto,
X-Forwarded-Host and Via are added; a failed request is sent again only when RFC 9110 allows
it (never a POST that was sent); failures are answered 502, 503 or 504
with a line naming the cause. The admin listener adds /upstreams.
SIGINT or SIGTERM drains in-flight requests and exits.

Flags:
`)
	printFlags(w, proxyFlags(&proxyConfig{}))
}

func runProxy(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseProxyArgs(args)
	if err != nil {
		return usageError("proxy", printProxyUsage, err, stdout, stderr)
	}
	p, err := proxy.New(proxyConfigOf(cfg, errorLogger(&cfg.frontConfig, stderr)))
	if err != nil {
		// A URL the proxy refuses is a command line that cannot run.
		return usageError("proxy", printProxyUsage, fmt.Errorf("--upstream: %s", strings.TrimPrefix(err.Error(), "holdfast/proxy: ")), stdout, stderr)
	}
	defer p.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runProxyServer(ctx, cfg, p, stderr); err != nil {
		return runError("proxy", err, stderr)
	}
	return exitOK
}

// parseProxyArgs reads proxy's command line and checks what can be checked
// before serving.
func parseProxyArgs(args []string) (*proxyConfig, error) {
	cfg := &proxyConfig{}
	rest, err := parseArgs(proxyFlags(cfg), args)
	switch {
	case err != nil:
		return nil, err
	case len(rest) > 0:
		return nil, fmt.Errorf("unexpected argument %q (upstreams are given with --upstream)", rest[0])
	case len(cfg.upstreams) == 0:
		return nil, errors.New("--upstream is required")
	}
	if err := cfg.parseBalance(); err != nil {
		return nil, err
	}
	return cfg, cfg.check()
}

// parseBalance sets the balancing mode --balance names.
func (cfg *proxyConfig) parseBalance() error {
	var err error
	if cfg.proxy.Balance, err = proxy.ParseBalance(cfg.balance); err != nil {
		return fmt.Errorf("--balance %s: want random-two, round-robin or least-requests", cfg.balance)
	}
	return nil
}

// proxyConfigOf is the proxy.Config the flags describe: on the command
// line 0 means "no limit" or "never", which a Config spells negative.
func proxyConfigOf(cfg *proxyConfig, log *slog.Logger) proxy.Config {
	c := cfg.proxy
	c.Upstreams = cfg.upstreams
	c.ErrorLog = log
	for _, d := range []*time.Duration{&c.IdleTimeout, &c.Timeout} {
		if *d == 0 {
			*d = -1
		}
	}
	for _, n := range []*int{&c.MaxIdle, &c.MaxConns, &c.Retries} {
		if *n == 0 {
			*n = -1
		}
	}
	return c
}

// runProxyServer runs the proxy until ctx ends, then drains it.
func runProxyServer(ctx context.Context, cfg *proxyConfig, p *proxy.Proxy, stderr io.Writer) error {
	srv, err := newFrontServer(&cfg.frontConfig, p)
	if err != nil {
		return err
	}
	return runFront(ctx, &cfg.frontConfig, srv, frontRun{
		what:      fmt.Sprintf("a reverse proxy to %s (%s)", strings.Join(cfg.upstreams, ", "), cfg.proxy.Balance),
		adminWhat: "live page at /, /metrics, /stats, /connections, /upstreams",
		adminExtra: []admin.Option{admin.WithUpstreams(p.Upstreams), admin.WithCollectors(upstreamCollector(func() []upstreamSource {
			return []upstreamSource{{proxy: p, checked: cfg.proxy.HealthPath != ""}}
		}))},
	}, stderr)
}

// upstreamSource is a proxy whose upstreams /metrics shows: its group's
// name in holdfast run, and whether it checks their health.
type upstreamSource struct {
	proxy   *proxy.Proxy
	group   string
	checked bool
}

// upstreamCollector gives /metrics the upstreams' figures of the proxies
// sources lists, labelled by URL (with the group's name after it when two
// groups share a URL), with their health when active checks are on.
func upstreamCollector(sources func() []upstreamSource) prometheus.Collector {
	return metrics.NewUpstreamCollector(func() []metrics.UpstreamStats {
		var out []metrics.UpstreamStats
		groups := map[string]int{}
		srcs := sources()
		for _, src := range srcs {
			for _, u := range src.proxy.Upstreams() {
				groups[u.URL]++
			}
		}
		for _, src := range srcs {
			for _, u := range src.proxy.Upstreams() {
				name := u.URL
				if groups[u.URL] > 1 {
					name += " (" + src.group + ")"
				}
				out = append(out, metrics.UpstreamStats{Name: name, TransportStats: u.Pool, Health: upstreamHealth(src.checked, u)})
			}
		}
		return out
	})
}

// upstreamHealth is what /metrics says of an upstream's health.
func upstreamHealth(checked bool, u proxy.UpstreamStats) metrics.Health {
	switch {
	case checked && u.HealthCheckFailed:
		return metrics.HealthDown
	case checked:
		return metrics.HealthUp
	}
	return metrics.HealthUnknown
}
