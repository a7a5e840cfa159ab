package sockopt

import (
	"net"
	"strconv"
	"syscall"
	"time"
)

// TCPInfo is the part of a socket's TCP_INFO that tells how a connection is
// doing with its peer: whether what it sent is acknowledged, whether its
// keepalive probes are answered, and, once it has failed, what it died of.
type TCPInfo struct {
	State        State         // tcpi_state
	Retransmits  uint8         // tcpi_retransmits: RTO retransmissions of the oldest unacknowledged segment (icsk_retransmits)
	Probes       uint8         // tcpi_probes: keepalive or zero-window probes sent without an answer (icsk_probes_out)
	Backoff      uint8         // tcpi_backoff: exponential backoff of the retransmission or probe timer
	Unacked      uint32        // tcpi_unacked: segments sent and not yet acknowledged
	TotalRetrans uint32        // tcpi_total_retrans: retransmitted segments over the connection's life
	NotSent      uint32        // tcpi_notsent_bytes: bytes queued and never sent
	SendWindow   uint32        // tcpi_snd_wnd: the peer's last advertised receive window (0 on kernels before 6.2)
	LastDataRecv time.Duration // tcpi_last_data_recv: since data last arrived
	LastAckRecv  time.Duration // tcpi_last_ack_recv: since an acknowledgement last arrived
	SegsOut      uint32        // tcpi_segs_out: segments sent, keepalive probes included
	SegsIn       uint32        // tcpi_segs_in: segments received, probe answers included
}

// State is a TCP state as TCP_INFO reports it (include/net/tcp_states.h).
type State uint8

// The TCP states.
const (
	StateEstablished State = 1 + iota
	StateSynSent
	StateSynRecv
	StateFinWait1
	StateFinWait2
	StateTimeWait
	StateClose // also where a connection lands when it fails: reset, timed out
	StateCloseWait
	StateLastAck
	StateListen
	StateClosing
)

var stateNames = [...]string{
	StateEstablished: "ESTABLISHED",
	StateSynSent:     "SYN_SENT",
	StateSynRecv:     "SYN_RECV",
	StateFinWait1:    "FIN_WAIT1",
	StateFinWait2:    "FIN_WAIT2",
	StateTimeWait:    "TIME_WAIT",
	StateClose:       "CLOSE",
	StateCloseWait:   "CLOSE_WAIT",
	StateLastAck:     "LAST_ACK",
	StateListen:      "LISTEN",
	StateClosing:     "CLOSING",
}

func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// InfoConn reads TCP_INFO from the connection's socket.
func InfoConn(c net.Conn) (TCPInfo, error) {
	if w, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = w.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return TCPInfo{}, ErrNotTCP
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return TCPInfo{}, err
	}
	var info TCPInfo
	var ierr error
	if err := raw.Control(func(fd uintptr) { info, ierr = Info(int(fd)) }); err != nil {
		return TCPInfo{}, err
	}
	return info, ierr
}

// Timeout names the kernel timer that ended a connection. Linux reports
// ETIMEDOUT (or the EHOSTUNREACH / ENETUNREACH an ICMP message left as a
// soft error) alike when keepalive probes go unanswered and when sent data
// stays unacknowledged past TCP_USER_TIMEOUT (or tcp_retries2), so the
// error alone cannot tell them apart; TCP_INFO can.
type Timeout uint8

const (
	// TimeoutUnknown: TCP_INFO cannot tell, because the socket has not
	// failed, TCP_INFO is not available, or it failed before the first
	// retransmission or probe (a user timeout shorter than one RTO).
	TimeoutUnknown Timeout = iota
	// TimeoutKeepAlive: keepalive probes went unanswered while nothing
	// else was in flight.
	TimeoutKeepAlive
	// TimeoutUnacked: data stayed unacknowledged: sent and retransmitted,
	// or queued behind a zero window whose probes went unanswered.
	TimeoutUnacked
)

func (t Timeout) String() string {
	switch t {
	case TimeoutKeepAlive:
		return "keepalive"
	case TimeoutUnacked:
		return "unacknowledged data"
	}
	return "unknown"
}

// WhichTimeout reads, from the TCP_INFO of a socket that has failed with a
// timeout, which timer ended it.
//
// What TCP_INFO keeps after the failure (Linux 6.18, checked by
// TestTimeoutTCPInfo): the kernel purges the write queue as it closes the
// socket, which zeroes tcpi_unacked and tcpi_backoff, so neither says
// anything afterwards; the state is CLOSE. What survives is the timer's
// own counter: tcpi_retransmits (icsk_retransmits, reset by every ACK that
// advances) after the retransmission timer gave up, tcpi_probes
// (icsk_probes_out, reset by every ACK) after the keepalive or the
// zero-window probe timer did, and tcpi_notsent_bytes, computed from
// sequence numbers rather than the purged queue. The keepalive timer never
// probes while data is in flight or queued, so:
//
//   - retransmissions: the retransmission timer, data unacknowledged;
//   - unsent bytes: the zero-window probe timer, data that could not be
//     sent to a peer that stopped reading and then vanished;
//   - probes alone: the keepalive timer.
//
// A socket that failed with ECONNRESET may show probes too (a rebooted
// host answers a keepalive probe with a reset): WhichTimeout is only for
// timeouts.
func (i TCPInfo) WhichTimeout() Timeout {
	switch {
	case i.State != StateClose:
		return TimeoutUnknown
	case i.Retransmits > 0, i.NotSent > 0:
		return TimeoutUnacked
	case i.Probes > 0:
		return TimeoutKeepAlive
	}
	return TimeoutUnknown
}
