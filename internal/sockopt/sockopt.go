package sockopt

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// Options are the dead-peer settings of one TCP socket. A zero duration or
// count leaves the system's value in place.
type Options struct {
	KeepAlive   bool          // SO_KEEPALIVE
	Idle        time.Duration // TCP_KEEPIDLE: quiet time before the first probe
	Interval    time.Duration // TCP_KEEPINTVL: time between unanswered probes
	Count       int           // TCP_KEEPCNT: unanswered probes before the connection is dropped
	UserTimeout time.Duration // TCP_USER_TIMEOUT: longest time sent data may stay unacknowledged (Linux)
}

// ErrNotTCP is returned for connections that are not TCP sockets.
var ErrNotTCP = errors.New("sockopt: not a TCP connection")

// Apply sets o on the connection's socket.
func Apply(c net.Conn, o Options) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return ErrNotTCP
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return applyRaw(c, raw, o)
}

// Read returns the options currently set on the connection's socket (tests
// use it to verify what Apply did, through getsockopt).
func Read(c net.Conn) (Options, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return Options{}, ErrNotTCP
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Options{}, err
	}
	return readRaw(raw)
}

// seconds rounds d up to whole seconds, the unit of the keepalive options,
// so that a non-zero duration never becomes zero.
func seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
