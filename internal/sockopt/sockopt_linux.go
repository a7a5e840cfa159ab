package sockopt

import (
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Supported reports whether TCP_USER_TIMEOUT can be set here.
const Supported = true

func applyRaw(_ net.Conn, raw syscall.RawConn, o Options) error {
	var serr error
	err := raw.Control(func(fd uintptr) { serr = ApplyFD(int(fd), o) })
	if err != nil {
		return err
	}
	return serr
}

// ApplyFD sets o on a raw socket descriptor.
func ApplyFD(fd int, o Options) error {
	if !o.KeepAlive {
		return setInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 0, "setsockopt SO_KEEPALIVE")
	}
	if err := setInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1, "setsockopt SO_KEEPALIVE"); err != nil {
		return err
	}
	if o.Idle > 0 {
		if err := setInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, seconds(o.Idle), "setsockopt TCP_KEEPIDLE"); err != nil {
			return err
		}
	}
	if o.Interval > 0 {
		if err := setInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, seconds(o.Interval), "setsockopt TCP_KEEPINTVL"); err != nil {
			return err
		}
	}
	if o.Count > 0 {
		if err := setInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, o.Count, "setsockopt TCP_KEEPCNT"); err != nil {
			return err
		}
	}
	return ApplyUserTimeoutFD(fd, o.UserTimeout)
}

// SetNoDelayFD turns Nagle's algorithm off, as Go does for its own TCP
// connections: a response written in two parts must not wait for the
// acknowledgement of the first.
func SetNoDelayFD(fd int) error {
	return setInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1, "setsockopt TCP_NODELAY")
}

// ApplyUserTimeoutFD sets TCP_USER_TIMEOUT, which is independent of
// SO_KEEPALIVE: it bounds how long written data may stay unacknowledged.
// Zero leaves the system default (about 15 minutes of retransmissions with
// tcp_retries2=15).
func ApplyUserTimeoutFD(fd int, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return setInt(fd, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(d/time.Millisecond), "setsockopt TCP_USER_TIMEOUT")
}

func setInt(fd, level, opt, v int, name string) error {
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return os.NewSyscallError(name, err)
	}
	return nil
}

func readRaw(raw syscall.RawConn) (Options, error) {
	var o Options
	var serr error
	err := raw.Control(func(fd uintptr) { o, serr = ReadFD(int(fd)) })
	if err != nil {
		return o, err
	}
	return o, serr
}

// ReadFD reads the options back with getsockopt.
func ReadFD(fd int) (Options, error) {
	r := reader{fd: fd}
	o := Options{
		KeepAlive:   r.get(unix.SOL_SOCKET, unix.SO_KEEPALIVE, "getsockopt SO_KEEPALIVE") != 0,
		Idle:        time.Duration(r.get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, "getsockopt TCP_KEEPIDLE")) * time.Second,
		Interval:    time.Duration(r.get(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, "getsockopt TCP_KEEPINTVL")) * time.Second,
		Count:       r.get(unix.IPPROTO_TCP, unix.TCP_KEEPCNT, "getsockopt TCP_KEEPCNT"),
		UserTimeout: time.Duration(r.get(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, "getsockopt TCP_USER_TIMEOUT")) * time.Millisecond,
	}
	return o, r.err
}

// reader keeps the first getsockopt error so ReadFD stays a flat list.
type reader struct {
	fd  int
	err error
}

func (r *reader) get(level, opt int, name string) int {
	v, err := unix.GetsockoptInt(r.fd, level, opt)
	if err != nil && r.err == nil {
		r.err = os.NewSyscallError(name, err)
	}
	return v
}
