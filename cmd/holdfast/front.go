package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/admin"
)

// The front side of the commands that serve clients, serve and proxy: the
// server, its keep-alive policy, its admin listener and access log. Both
// commands register these flags with frontFlags, so they have the same
// names and meanings, and run the server with runFront.

// frontConfig is what the front-side flags set.
type frontConfig struct {
	listen, admin, engine      string
	accessLog, connectionLog   string
	logFormat, logLevel        string
	drainTimeout               time.Duration
	noKeepAlive, noAdvertise   bool
	noTCPKeepAlive, classicTCP bool
	policy                     holdfast.Policy
	maxBody                    int64

	upgradable bool   // upgrade.go
	pidFile    string // upgrade.go

	tlsCert, tlsKey     string // front_tls.go
	tlsSelfSigned, noH2 bool
}

// frontFlags defines the front-side flags on fs.
func frontFlags(fs *flag.FlagSet, cfg *frontConfig) {
	p := &cfg.policy
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "`ADDR` to serve on (host:port; port 0 picks a free one)")
	fs.StringVar(&cfg.admin, "admin", "", "`ADDR` of the admin listener (live page at /, /metrics, /stats, /connections); off unless given")
	fs.StringVar(&cfg.accessLog, "access-log", "", "write a line per request, with its connection, number on it and reuse, to `FILE` (- for standard output)")
	fs.StringVar(&cfg.connectionLog, "connection-log", "", "write a line per connection as it closes (reason, age, requests, bytes) to `FILE` (- for standard output)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "`FORMAT` of every log: text (key=value) or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "least `LEVEL` of the error log (standard error): debug, info, warn or error")
	fs.StringVar(&cfg.engine, "engine", "auto", "connection `ENGINE`: auto, goroutine or epoll (Linux)")
	durationVar(fs, &p.IdleTimeout, "idle-timeout", holdfast.DefaultIdleTimeout, "hold time of an idle keep-alive connection (0: no limit)")
	durationVar(fs, &p.HeaderTimeout, "header-timeout", holdfast.DefaultHeaderTimeout, "a started request head must complete within this, else 408 (0: no limit)")
	durationVar(fs, &p.BodyTimeout, "body-timeout", holdfast.DefaultBodyTimeout, "longest wait for the next bytes of a request body (0: no limit)")
	durationVar(fs, &p.SendTimeout, "send-timeout", holdfast.DefaultSendTimeout, "longest write to a client that is not reading (0: no limit)")
	numberVar(fs, &p.MaxRequests, "max-requests", holdfast.DefaultMaxRequests, 0, "requests per connection; the last response says Connection: close (0: no limit)")
	durationVar(fs, &p.MaxAge, "max-age", holdfast.DefaultMaxAge, "age after which a connection closes at its next response (0: no limit)")
	numberVar(fs, &p.DrainLimit, "drain-limit", holdfast.DefaultDrainLimit, 0, "`BYTES` of a request body left unread by the handler that are read to keep the connection (0: close instead)")
	numberVar(fs, &cfg.maxBody, "max-body", 0, 0, "largest request body accepted in `BYTES`, else 413 (0: no limit)")
	numberVar(fs, &p.MaxConns, "max-conns", 0, 0, "open connections at most; at the cap the connection idle longest is closed for a new one, and near it idle connections are held less (0: no limit)")
	numberVar(fs, &p.MaxConnsPerIP, "max-conns-per-ip", 0, 0, "open connections of one client address at most; more are answered 429 (0: no limit)")
	numberVar(fs, &p.MinBodyRate, "min-body-rate", 0, 0, "least rate of a request body in `BYTES` per second after its first second, else 408 (0: no minimum)")
	fs.BoolVar(&cfg.noKeepAlive, "no-keepalive", false, "short connections: every response closes its connection")
	fs.BoolVar(&cfg.noAdvertise, "no-keepalive-header", false, "do not send Keep-Alive: timeout=, max= hints")
	fs.BoolVar(&cfg.noTCPKeepAlive, "no-tcp-keepalive", false, "do not send TCP keepalive probes")
	positiveDurationVar(fs, &p.TCPKeepAliveIdle, "tcp-keepalive-idle", holdfast.DefaultTCPKeepAliveIdle, "quiet time before the first TCP keepalive probe")
	positiveDurationVar(fs, &p.TCPKeepAliveInterval, "tcp-keepalive-interval", holdfast.DefaultTCPKeepAliveInterval, "time between unanswered TCP keepalive probes")
	numberVar(fs, &p.TCPKeepAliveCount, "tcp-keepalive-count", holdfast.DefaultTCPKeepAliveCount, 1, "unanswered probes before the peer is declared dead")
	durationVar(fs, &p.TCPUserTimeout, "tcp-user-timeout", 0, "longest time sent data may stay unacknowledged, Linux (0: idle + interval × count)")
	fs.BoolVar(&cfg.classicTCP, "classic-tcp-keepalive", false, "classic TCP keepalive: first probe after 2h, then every 75s, 10 probes, no user timeout")
	positiveDurationVar(fs, &cfg.drainTimeout, "drain-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight requests may take to finish")
	fs.BoolVar(&cfg.upgradable, "upgradable", false, "on SIGUSR2, start this binary again with the same arguments, hand it the listening sockets, then drain and exit (Unix)")
	fs.StringVar(&cfg.pidFile, "pid-file", "", "write the serving process's ID to `FILE` once it serves (after an upgrade, the new one's)")
	tlsFlags(fs, cfg)
}

// printFlags lists fs's flags for a command's help, one per line, with
// their argument and default, the descriptions in one column.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var args, usages []string
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if v, ok := f.Value.(interface{ argName() string }); ok && !strings.Contains(f.Usage, "`") {
			name = v.argName()
		}
		arg := "--" + f.Name
		if name != "" {
			arg += " " + strings.ToUpper(name)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			usage += " (default " + f.DefValue + ")"
		}
		args, usages = append(args, arg), append(usages, usage)
		width = max(width, len(arg)+1)
	})
	for i, arg := range args {
		fmt.Fprintf(w, "  %-*s %s\n", width, arg, usages[i])
	}
}

// check refuses an engine name, a log format or level, or HTTPS flags
// that make no sense, before anything is served.
func (cfg *frontConfig) check() error {
	if _, err := holdfast.ParseEngine(cfg.engine); err != nil {
		return fmt.Errorf("--engine %s: want auto, goroutine or epoll", cfg.engine)
	}
	if err := checkLogFlags(cfg); err != nil {
		return err
	}
	return checkTLSFlags(cfg)
}

// newFrontServer makes the server the flags describe, answering with h.
func newFrontServer(cfg *frontConfig, h http.Handler) (*holdfast.Server, error) {
	engine, err := holdfast.ParseEngine(cfg.engine)
	if err != nil {
		return nil, err // checkEngine has refused it
	}
	return &holdfast.Server{Handler: h, Policy: cfg.resolvedPolicy(), Engine: engine, MaxBodyBytes: cfg.maxBody}, nil
}

// resolvedPolicy is the Policy the flags describe. On the command line 0
// means "no limit" (for the drain limit: read nothing); in a Policy that
// is negative, and zero is the default.
func (cfg *frontConfig) resolvedPolicy() holdfast.Policy {
	p := cfg.policy
	for _, d := range []*time.Duration{&p.IdleTimeout, &p.HeaderTimeout, &p.BodyTimeout, &p.SendTimeout, &p.MaxAge, &p.HandshakeTimeout} {
		if *d == 0 {
			*d = -1
		}
	}
	if p.MaxRequests == 0 {
		p.MaxRequests = -1
	}
	if p.DrainLimit == 0 {
		p.DrainLimit = -1
	}
	if cfg.noKeepAlive {
		p.KeepAlive = holdfast.Off
	}
	if cfg.noAdvertise {
		p.AdvertiseKeepAlive = holdfast.Off
	}
	if cfg.classicTCP {
		p = p.ClassicTCPKeepAlive()
	}
	if cfg.noTCPKeepAlive {
		p.TCPKeepAlive = holdfast.Off
	}
	return p
}

// frontRun is one run of a front server: what it serves (for the start
// line), and what its admin listener adds to the server's endpoints.
type frontRun struct {
	what       string
	adminWhat  string         // the admin endpoints, for the start line
	adminExtra []admin.Option // endpoints and collectors beyond the server's
}

// runFront serves srv until ctx ends, then drains it; the flags' logs go
// to files or to log, the error log always to log.
func runFront(ctx context.Context, cfg *frontConfig, srv *holdfast.Server, run frontRun, log io.Writer) error {
	started := time.Now()
	logs, err := openLogs(cfg, log)
	if err != nil {
		return err
	}
	defer logs.close()
	srv.ErrorLog, srv.AccessLog, srv.ConnectionLog = logs.errors, logs.access, logs.connections
	if err := setupTLS(cfg, srv, log); err != nil {
		return err
	}
	up, err := startUpgrades(cfg, log)
	if err != nil {
		return err
	}
	defer up.close()
	l, err := up.listen(cfg.listen)
	if err != nil {
		return err
	}
	var adminSrv *holdfast.Server
	var draining atomic.Bool // /ready answers 503 once set
	if cfg.admin != "" {
		a, addr, err := startAdmin(up.listen, cfg.admin, srv, started, func() bool { return !draining.Load() }, srv.ErrorLog, run.adminExtra)
		if err != nil {
			l.Close()
			return fmt.Errorf("--admin: %w", err)
		}
		adminSrv = a
		fmt.Fprintf(log, "holdfast: admin on http://%s (%s)\n", addr, run.adminWhat)
	}
	fmt.Fprintln(log, servingLine(run.what, cfg, srv, l.Addr()))

	errc := make(chan error, 1)
	go func() { errc <- serveListener(cfg, srv, l) }()
	if err := up.ready(); err != nil {
		fmt.Fprintf(log, "holdfast: %v\n", err)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-up.exit():
		fmt.Fprintln(log, "holdfast: upgraded: the new process serves; this one drains")
	}
	draining.Store(true)
	fmt.Fprintln(log, "holdfast: draining connections")
	dctx, cancel := context.WithTimeout(context.Background(), cfg.drainTimeout)
	defer cancel()
	err = srv.Shutdown(dctx)
	if adminSrv != nil {
		adminSrv.Close()
	}
	<-errc
	if err != nil {
		srv.Close()
		return fmt.Errorf("drain: %w", err)
	}
	fmt.Fprintln(log, "holdfast: stopped")
	return nil
}

// listenFront gives srv the certificate the flags ask for and opens its
// listener.
func listenFront(cfg *frontConfig, srv *holdfast.Server, log io.Writer) (net.Listener, error) {
	if err := setupTLS(cfg, srv, log); err != nil {
		return nil, err
	}
	return holdfast.Listen(cfg.listen)
}

// servingLine says what a front server serves, where and how.
func servingLine(what string, cfg *frontConfig, srv *holdfast.Server, addr net.Addr) string {
	return fmt.Sprintf("holdfast: serving %s on %s://%s (engine %s, %s, keep-alive %s)",
		what, cfg.scheme(), addr, srv.Engine.Resolved(), protocolSummary(cfg), keepAliveSummary(cfg))
}

func keepAliveSummary(cfg *frontConfig) string {
	if cfg.noKeepAlive {
		return "off"
	}
	p := cfg.policy
	requests := "no request limit"
	if p.MaxRequests > 0 {
		requests = fmt.Sprintf("%d requests", p.MaxRequests)
	}
	return fmt.Sprintf("idle %s, %s, max age %s", limitText(p.IdleTimeout), requests, limitText(p.MaxAge))
}

// limitText shows a duration flag's value, 0 being "no limit".
func limitText(d time.Duration) string {
	if d == 0 {
		return "no limit"
	}
	return d.String()
}

// startAdmin serves the admin endpoints for src on addr, listening with
// listen: with the version, the start time, /ready answering 503 once
// ready says so, and opts.
func startAdmin(listen func(string) (net.Listener, error), addr string, src admin.Source, started time.Time, ready func() bool, errLog *slog.Logger, opts []admin.Option) (*holdfast.Server, net.Addr, error) {
	l, err := listen(addr)
	if err != nil {
		return nil, nil, err
	}
	info, _ := debug.ReadBuildInfo()
	opts = append([]admin.Option{admin.WithVersion(versionLine(info)), admin.WithStartTime(started), admin.WithReadiness(ready)}, opts...)
	a := &holdfast.Server{Handler: admin.Handler(src, opts...), ErrorLog: errLog}
	go a.Serve(l)
	return a, l.Addr(), nil
}
