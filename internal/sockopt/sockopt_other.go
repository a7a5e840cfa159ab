//go:build !linux

package sockopt

import (
	"net"
	"syscall"
)

// Supported reports whether TCP_USER_TIMEOUT can be set here: not on this
// system, where only the keepalive settings apply.
const Supported = false

func applyRaw(c net.Conn, _ syscall.RawConn, o Options) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return ErrNotTCP
	}
	cfg := net.KeepAliveConfig{Enable: o.KeepAlive, Idle: o.Idle, Interval: o.Interval, Count: o.Count}
	if cfg.Idle == 0 {
		cfg.Idle = -1 // leave the system value
	}
	if cfg.Interval == 0 {
		cfg.Interval = -1
	}
	if cfg.Count == 0 {
		cfg.Count = -1
	}
	return tc.SetKeepAliveConfig(cfg)
}

func readRaw(syscall.RawConn) (Options, error) {
	return Options{}, syscall.ENOPROTOOPT
}
