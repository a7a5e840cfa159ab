package sockopt

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Info reads TCP_INFO from a raw socket descriptor. It works on a socket
// that has failed, as long as it is open: that is when it says the most.
func Info(fd int) (TCPInfo, error) {
	ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return TCPInfo{}, os.NewSyscallError("getsockopt TCP_INFO", err)
	}
	return TCPInfo{
		State:        State(ti.State),
		Retransmits:  ti.Retransmits,
		Probes:       ti.Probes,
		Backoff:      ti.Backoff,
		Unacked:      ti.Unacked,
		TotalRetrans: ti.Total_retrans,
		NotSent:      ti.Notsent_bytes,
		SendWindow:   ti.Snd_wnd,
		LastDataRecv: time.Duration(ti.Last_data_recv) * time.Millisecond,
		LastAckRecv:  time.Duration(ti.Last_ack_recv) * time.Millisecond,
		SegsOut:      ti.Segs_out,
		SegsIn:       ti.Segs_in,
	}, nil
}
