package testrig

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// RaceServer is a server of the reuse race behind its relay.
type RaceServer struct {
	Name  string // "net/http server", "nginx"
	About string // its idle setting, for reports
	Addr  string // the relay's address: where clients (or a proxy) connect
	Bin   string // nginx's binary; "" for net/http
	Stop  func()
}

// StartRaceServers starts net/http's server and nginx, each answering as
// RaceHandler does and closing connections idle for idle, each behind a
// relay adding RaceDelay. The caller stops those returned, also when
// there is an error (nginx may not start).
func StartRaceServers(idle time.Duration) ([]RaceServer, error) {
	var out []RaceServer
	srv := &http.Server{IdleTimeout: idle, Handler: RaceHandler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	rl, err := ListenRelay(ln.Addr().String(), RaceDelay)
	if err != nil {
		srv.Close()
		return nil, err
	}
	out = append(out, RaceServer{Name: "net/http server", About: fmt.Sprintf("http.Server{IdleTimeout: %v}", idle),
		Addr: rl.Addr(), Stop: func() { rl.Close(); srv.Close() }})
	n, err := RunNginx(NginxConfig{Body: "ok\n", KeepaliveTimeout: strconv.FormatInt(idle.Milliseconds(), 10) + "ms"})
	if err != nil {
		return out, err
	}
	if rl, err = ListenRelay(n.Addr, RaceDelay); err != nil {
		n.Stop()
		return out, err
	}
	out = append(out, RaceServer{Name: "nginx", About: fmt.Sprintf("keepalive_timeout %dms", idle.Milliseconds()),
		Addr: rl.Addr(), Bin: n.Bin, Stop: func() { rl.Close(); n.Stop() }})
	return out, nil
}
