package proxypeer

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"holdfast/compare/internal/launch"
	"holdfast/internal/testrig"
)

// Running is a started peer; its owner must Stop it.
type Running struct {
	Peer
	Addr string // where it listens
	Proc *launch.Process
	dir  string // its configuration and logs
}

// Start runs p on a free loopback port, passing requests to upstream
// (host:port), pinned to cpu ("" for none), and returns once a GET
// through it answers 200 with want as the body.
func (p Peer) Start(b Bins, upstream, cpu string, o Options, want string) (*Running, error) {
	dir, err := os.MkdirTemp("", "proxypeer-"+p.Kind+"-")
	if err != nil {
		return nil, err
	}
	r := &Running{Peer: p, dir: dir}
	if r.Addr, err = testrig.FreeAddr(); err != nil {
		return nil, r.cleanup(err)
	}
	argv, env, err := p.Command(b, dir, r.Addr, upstream, o)
	if err != nil {
		return nil, r.cleanup(err)
	}
	spec := launch.Spec{Name: p.Name, Argv: argv, CPU: cpu, NoFile: o.NoFile, Env: env}
	if p.IsGo() {
		spec.Env = append(spec.Env, "GOMAXPROCS="+gomaxprocs(cpu))
	}
	if r.Proc, err = launch.Start(spec); err != nil {
		return nil, r.cleanup(err)
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if err := r.Proc.WaitReady(15*time.Second, func() error { _, err := launch.CheckGET(client, "http://"+r.Addr+"/", want); return err }); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// gomaxprocs counts the CPUs of a taskset list ("0", "0,1", "0-3"): a Go
// program pinned to them gets as many processors; 1 when unpinned.
func gomaxprocs(cpu string) string {
	n := 0
	for _, part := range strings.Split(cpu, ",") {
		var lo, hi int
		switch c, _ := fmt.Sscanf(part, "%d-%d", &lo, &hi); {
		case c == 2 && hi >= lo:
			n += hi - lo + 1
		case c >= 1:
			n++
		}
	}
	return strconv.Itoa(max(n, 1))
}

// Stop ends the peer and removes its files.
func (r *Running) Stop() {
	r.Proc.Stop()
	os.RemoveAll(r.dir)
}

func (r *Running) cleanup(err error) error {
	os.RemoveAll(r.dir)
	return err
}
