package sockopt

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// Fault is what a socket error says of the peer: the vocabulary the
// server and the client share, each mapping it to its own close reasons.
type Fault uint8

const (
	// FaultNone: the error says nothing of the peer, or there is none.
	FaultNone Fault = iota
	// FaultClosed: the peer closed its side in order (EOF).
	FaultClosed
	// FaultReset: the peer reset the connection (ECONNRESET, EPIPE,
	// ECONNABORTED), as a host that rebooted does when probed.
	FaultReset
	// FaultKeepAlive: TCP keepalive probes went unanswered.
	FaultKeepAlive
	// FaultUserTimeout: sent data stayed unacknowledged past
	// TCP_USER_TIMEOUT.
	FaultUserTimeout
)

// Classify says what err says of the peer. The kernel reports ETIMEDOUT
// (or an ICMP error it kept, EHOSTUNREACH or ENETUNREACH) both for
// unanswered keepalive probes and for data unacknowledged past
// TCP_USER_TIMEOUT; an error that went through Diagnose carries the
// socket's own answer. Otherwise writing, whether the failed call was a
// write, is the guess: right for a write blocked on a vanished peer, wrong
// for the first write after keepalive killed an idle socket, which is why
// the server's engines diagnose.
func Classify(err error, writing bool) Fault {
	if err == nil {
		return FaultNone
	}
	if d, ok := errors.AsType[*diagnosedError](err); ok && d.fault != FaultNone {
		return d.fault
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return FaultClosed
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return FaultReset
	case SilentPeer(err):
		if writing {
			return FaultUserTimeout
		}
		return FaultKeepAlive
	}
	return FaultNone
}

// SilentPeer reports whether err is how the kernel ends a connection whose
// peer stopped answering.
func SilentPeer(err error) bool {
	return errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// TimeoutFault is the fault of a socket that timed out, from its TCP_INFO
// (see WhichTimeout): FaultKeepAlive, FaultUserTimeout, or FaultNone when
// TCP_INFO cannot tell.
func (i TCPInfo) TimeoutFault() Fault {
	switch i.WhichTimeout() {
	case TimeoutKeepAlive:
		return FaultKeepAlive
	case TimeoutUnacked:
		return FaultUserTimeout
	}
	return FaultNone
}

// diagnosedError is a silent-peer error with the fault the socket's
// TCP_INFO gave (FaultNone when it could not tell).
type diagnosedError struct {
	err   error
	fault Fault
}

func (e *diagnosedError) Error() string { return e.err.Error() }
func (e *diagnosedError) Unwrap() error { return e.err }

// Diagnose attaches to a silent-peer error which kernel timer ended the
// socket, read from TCP_INFO by info: it must be called while the socket
// is still open, by whoever got the error. Other errors are returned as
// they are. TCP_INFO is chosen over what the caller knows (whether it
// wrote since its last read) because the caller cannot know whether its
// bytes were acknowledged, and because the first to see the error is often
// a write made after keepalive already killed the socket.
func Diagnose(err error, info func() (TCPInfo, error)) error {
	if err == nil || !SilentPeer(err) {
		return err
	}
	if _, ok := errors.AsType[*diagnosedError](err); ok {
		return err
	}
	d := &diagnosedError{err: err}
	if ti, ierr := info(); ierr == nil {
		d.fault = ti.TimeoutFault()
	}
	return d
}

// DiagnoseFD and DiagnoseConn are Diagnose for a raw descriptor and for a
// net.Conn.
func DiagnoseFD(err error, fd int) error {
	return Diagnose(err, func() (TCPInfo, error) { return Info(fd) })
}

func DiagnoseConn(err error, c net.Conn) error {
	return Diagnose(err, func() (TCPInfo, error) { return InfoConn(c) })
}
