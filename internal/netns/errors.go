package netns

import "errors"

var (
	// ErrUnsupported is returned by Host.Do on platforms without network
	// namespaces; New skips there instead.
	ErrUnsupported = errors.New("netns: network namespaces need Linux")

	// ErrCommand wraps a failed external command (ip, nft, iptables, or the
	// command given to Host.Exec); the message carries the command line and
	// its output.
	ErrCommand = errors.New("netns: command failed")

	// ErrRemoved is returned when a host's namespace no longer exists,
	// typically because the test's cleanup already ran.
	ErrRemoved = errors.New("netns: host removed")

	// ErrNotTCP is returned by Host.Reboot for a connection it cannot reset
	// (no SetLinger); the connection is closed anyway.
	ErrNotTCP = errors.New("netns: not a TCP connection")
)
