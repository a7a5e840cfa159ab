package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"holdfast/compare/internal/launch"
	"holdfast/compare/internal/proxypeer"
	"holdfast/internal/testrig"
)

// The reuse ratio: HTTP/1.0 short clients (holdfast bench --http1.0
// --no-keepalive) through a proxy on two cores (holdfast proxy with two
// event loops; nginx with two workers, whose upstream pools are each
// worker's own), to an upstream that counts the connections it accepts
// and the requests it answers. The share of upstream requests that rode a
// reused connection is 1 − connections ÷ requests.

// countingUpstream answers raceBody and counts.
type countingUpstream struct {
	addr        string
	conns, reqs atomic.Int64
	srv         *http.Server
}

func startCountingUpstream() (*countingUpstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &countingUpstream{addr: ln.Addr().String()}
	u.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u.reqs.Add(1)
			io.WriteString(w, raceBody)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				u.conns.Add(1)
			}
		},
	}
	go u.srv.Serve(ln)
	return u, nil
}

// ratioRun is what one proxy's run saw.
type ratioRun struct {
	name, about          string
	clientRequests       int64 // answered to the clients
	clientErrors         int64
	upstreamRequests     int64
	upstreamConns        int64
	proxyReused, proxyOf int64 // holdfast's own count (/upstreams); -1 when none
}

func runReuseRatio(ctx context.Context, cfg config) error {
	dir, err := os.MkdirTemp("", "proxybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hf, err := buildGo(dir, "holdfast", "holdfast/cmd/holdfast")
	if err != nil {
		return err
	}
	var runs []ratioRun
	for round := 0; round < cfg.rounds; round++ {
		for _, which := range []string{"holdfast", "nginx"} {
			r, err := ratioRun1(ctx, cfg, hf, which)
			if err != nil {
				return fmt.Errorf("%s: %w", which, err)
			}
			logf("reuse ratio round %d, %s: %d client requests (%d failed), upstream %d requests on %d connections",
				round+1, r.name, r.clientRequests, r.clientErrors, r.upstreamRequests, r.upstreamConns)
			runs = append(runs, r)
		}
	}
	return writeReport(cfg, "proxy-reuse-ratio", ratioMarkdown(cfg, runs))
}

// ratioRun1 runs the short clients through one proxy.
func ratioRun1(ctx context.Context, cfg config, hf, which string) (ratioRun, error) {
	up, err := startCountingUpstream()
	if err != nil {
		return ratioRun{}, err
	}
	defer up.srv.Close()
	px, err := startRatioProxy(hf, which, up.addr)
	if err != nil {
		return ratioRun{}, err
	}
	defer px.stop()
	up.conns.Store(0) // the readiness check's
	up.reqs.Store(0)
	var before upstreamCounts
	if px.admin != "" {
		before, _ = readUpstreams(px.admin)
	}
	out, err := exec.CommandContext(ctx, hf, "bench", "--http1.0", "--no-keepalive", "--json",
		"-c", strconv.Itoa(cfg.ratioConnections), "-d", cfg.ratioDuration.String(), "http://"+px.addr+"/").Output()
	if err != nil {
		return ratioRun{}, fmt.Errorf("holdfast bench: %v", err)
	}
	var res struct {
		Requests    int64 `json:"requests"`
		ErrorsTotal int64 `json:"errors_total"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return ratioRun{}, fmt.Errorf("holdfast bench output: %v", err)
	}
	r := ratioRun{name: which, about: px.about, clientRequests: res.Requests, clientErrors: res.ErrorsTotal,
		upstreamRequests: up.reqs.Load(), upstreamConns: up.conns.Load(), proxyReused: -1}
	if px.admin != "" {
		after, err := readUpstreams(px.admin)
		if err != nil {
			return r, fmt.Errorf("%w (%s)", err, px.state())
		}
		r.proxyReused, r.proxyOf = after.Reused-before.Reused, after.Requests-before.Requests
	}
	return r, nil
}

// ratioProxy is a started proxy of the reuse-ratio runs.
type ratioProxy struct {
	addr  string
	admin string // holdfast's admin listener, as a URL; "" for nginx
	about string
	proc  *launch.Process
	stop  func()
}

// state says whether the proxy still runs, with its last words if not.
func (p *ratioProxy) state() string {
	if err := p.proc.Alive(); err != nil {
		return err.Error()
	}
	return "the proxy still runs"
}

// startRatioProxy starts holdfast proxy (two event loops, admin on) or
// nginx (two workers) on two cores.
func startRatioProxy(hf, which, upstream string) (*ratioProxy, error) {
	if which == "nginx" {
		p := proxypeer.Peer{Name: "nginx", Kind: "nginx"}
		r, err := p.Start(proxypeer.FindBins(), upstream, "", proxypeer.Options{NoFile: 4096, Workers: 2}, raceBody)
		if err != nil {
			return nil, err
		}
		return &ratioProxy{addr: r.Addr, proc: r.Proc, stop: r.Stop,
			about: "nginx, worker_processes 2, upstream keepalive 64 (per worker)"}, nil
	}
	addr, err := testrig.FreeAddr()
	if err != nil {
		return nil, err
	}
	admin, err := testrig.FreeAddr()
	if err != nil {
		return nil, err
	}
	proc, err := launch.Start(launch.Spec{Name: "holdfast proxy", NoFile: 4096, Env: []string{"GOMAXPROCS=2"},
		Argv: []string{hf, "proxy", "--listen", addr, "--admin", admin, "--upstream", "http://" + upstream, "--engine", "epoll"}})
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	err = proc.WaitReady(10*time.Second, func() error {
		_, err := launch.CheckGET(client, "http://"+addr+"/", raceBody)
		return err
	})
	if err != nil {
		proc.Stop()
		return nil, err
	}
	return &ratioProxy{addr: addr, admin: "http://" + admin, proc: proc, stop: proc.Stop,
		about: "holdfast proxy, --engine epoll, GOMAXPROCS=2 (two event loops), one pool per upstream"}, nil
}

// upstreamCounts are the fields of /upstreams the report uses.
type upstreamCounts struct {
	Requests int64 `json:"requests"`
	Reused   int64 `json:"reused"`
}

func readUpstreams(admin string) (upstreamCounts, error) {
	resp, err := http.Get(admin + "/upstreams")
	if err != nil {
		return upstreamCounts{}, err
	}
	defer resp.Body.Close()
	var ups []upstreamCounts
	if err := json.NewDecoder(resp.Body).Decode(&ups); err != nil || len(ups) != 1 {
		return upstreamCounts{}, fmt.Errorf("/upstreams: %v", err)
	}
	return ups[0], nil
}

func ratioMarkdown(cfg config, runs []ratioRun) string {
	var b strings.Builder
	b.WriteString(header(cfg, "holdfast reverse-proxy reuse-ratio report"))
	fmt.Fprintf(&b, "Each run: `holdfast bench --http1.0 --no-keepalive -c %d -d %v` through the proxy (a new client connection per request), "+
		"to a net/http upstream that counts the connections it accepts and the requests it answers. "+
		"Reused share = 1 − upstream connections ÷ upstream requests. Nothing is pinned: the proxy has both cores, "+
		"sharing them with the clients and the upstream.\n\n", cfg.ratioConnections, cfg.ratioDuration)
	b.WriteString("| proxy | client requests | failed | upstream requests | upstream connections | on a reused connection | the proxy's own count |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range runs {
		share := "–"
		if r.upstreamRequests > 0 {
			share = fmt.Sprintf("%.3f%%", 100*(1-float64(r.upstreamConns)/float64(r.upstreamRequests)))
		}
		own := "–"
		if r.proxyReused >= 0 && r.proxyOf > 0 {
			own = fmt.Sprintf("%.3f%% (/upstreams: %d of %d reused)", 100*float64(r.proxyReused)/float64(r.proxyOf), r.proxyReused, r.proxyOf)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s | %s |\n", r.name, r.clientRequests, r.clientErrors,
			r.upstreamRequests, r.upstreamConns, share, own)
	}
	b.WriteString("\n")
	for _, r := range runs[:min(2, len(runs))] {
		fmt.Fprintf(&b, "- %s: %s\n", r.name, r.about)
	}
	return b.String()
}
