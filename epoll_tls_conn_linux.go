package holdfast

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"holdfast/internal/epoll"
	"holdfast/internal/sockopt"
)

// cipherConn is the socket as crypto/tls sees it on the epoll engine: a
// net.Conn over the loop's non-blocking descriptor, carrying ciphertext.
//
// It reads in one of two ways. Blocking (the handshake's goroutine, a
// serving goroutine) it waits for the loop to see the socket readable, as
// the engine's wire does. Non-blocking (the loop itself) it returns
// errWouldBlock when the socket is empty: crypto/tls does not make a
// temporary net.Error sticky while it reads records (readRecordOrCCS), so
// the loop reads again on the next readiness and the partial record waits
// in crypto/tls's buffer.
//
// During the handshake it also gives crypto/tls no byte past the end of
// the record it is reading, so that when the handshake is over crypto/tls
// holds nothing of the client's first application records: they are in
// this buffer, or still in the socket, for the record layer to open; and
// it collects what the record layer needs to take over (the traffic
// secrets from the key log, the records the handshake sent).
type cipherConn struct {
	c *loopConn // read-only

	// Owned by whoever serves the connection.
	blocking    bool      // wait for the socket; false in the loop (errWouldBlock)
	handshaking bool      // hand out one record at a time (see take)
	deadline    time.Time // the handshake's end; zero for none
	in          inbuf     // ciphertext read and not yet taken by crypto/tls
	recordLeft  int       // while handshaking: bytes of the current record not yet taken

	// Filled by the handshake, through the key log (secretCapture), and
	// used when it is over.
	clientSecret, serverSecret []byte
	capturing                  bool   // the secrets are known: keep what is written
	sent                       []byte // written since the secrets were known

	handed net.Conn // the socket as the runtime's net.Conn, once handed over
}

func (r *cipherConn) Read(p []byte) (int, error) {
	for {
		if n := r.take(p); n > 0 {
			return n, nil
		}
		if r.handed != nil {
			return r.handed.Read(p)
		}
		if !r.handshaking && r.in.len() == 0 {
			r.in.release()
			return r.readSocket(p) // straight into crypto/tls's buffer
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

// take hands out buffered ciphertext; while handshaking, only up to the
// end of the current record, and nothing until its header is complete.
func (r *cipherConn) take(p []byte) int {
	avail := r.in.bytes()
	if len(avail) == 0 {
		return 0
	}
	if !r.handshaking {
		n := copy(p, avail)
		r.in.consume(n)
		return n
	}
	if r.recordLeft == 0 {
		if len(avail) < recordHeaderLen {
			return 0
		}
		r.recordLeft = recordHeaderLen + int(binary.BigEndian.Uint16(avail[3:5]))
	}
	n := copy(p, avail[:min(len(avail), r.recordLeft)])
	r.recordLeft -= n
	r.in.consume(n)
	return n
}

// fill reads more ciphertext into the buffer.
func (r *cipherConn) fill() error {
	if !r.in.ensure(largeRecordBuf) {
		return errRecordOverflow
	}
	n, err := r.readSocket(r.in.space())
	r.in.commit(n)
	if n > 0 {
		return nil
	}
	return err
}

// readSocket reads from the descriptor into p, waiting or not as the mode
// says. Serving goroutines wait under the body timeout, the handshake
// until its deadline.
func (r *cipherConn) readSocket(p []byte) (int, error) {
	if r.blocking && !r.handshaking {
		return r.c.readBody(p)
	}
	for {
		if r.blocking {
			r.c.events.And(^uint32(readReady))
		}
		n, err := readFD(r.c.fd, p)
		switch {
		case n > 0:
			if n == len(p) && r.blocking {
				r.c.events.Or(epoll.In) // there may be more
			}
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return 0, sockopt.DiagnoseFD(os.NewSyscallError("read", err), r.c.fd)
		case !r.blocking:
			return 0, errWouldBlock
		}
		if err := r.waitReadable(); err != nil {
			return 0, err
		}
	}
}

// waitReadable waits for readability until the handshake's deadline.
func (r *cipherConn) waitReadable() error {
	var d time.Duration
	if !r.deadline.IsZero() {
		if d = time.Until(r.deadline); d <= 0 {
			return os.ErrDeadlineExceeded
		}
	}
	return r.c.wait(readReady, d)
}

func (r *cipherConn) Write(p []byte) (int, error) {
	if r.handed != nil {
		return r.handed.Write(p)
	}
	if r.capturing {
		r.sent = append(r.sent, p...)
	}
	if r.blocking {
		return r.c.write(p)
	}
	return writeNow(r.c.fd, p)
}

// writeNow writes what the socket takes at once, for the loop, which
// must not wait: alerts and the last bytes of a closing connection.
func writeNow(fd int, p []byte) (int, error) {
	total := 0
	for total < len(p) {
		n, err := writeFD(fd, p[total:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return total, errWouldBlock
		case err != nil:
			return total, os.NewSyscallError("write", err)
		}
		total += n
	}
	return total, nil
}

// Close leaves the socket open: the loop owns it, until it is handed over.
func (r *cipherConn) Close() error {
	if r.handed != nil {
		return r.handed.Close()
	}
	return nil
}

func (r *cipherConn) LocalAddr() net.Addr  { return r.c.localAddr() }
func (r *cipherConn) RemoteAddr() net.Addr { return remoteAddr(r.c.remote) }

// Deadlines apply once the socket is handed over; before, the handshake's
// own deadline and the policy's timeouts bound the waits.
func (r *cipherConn) SetDeadline(t time.Time) error {
	if r.handed != nil {
		return r.handed.SetDeadline(t)
	}
	return nil
}

func (r *cipherConn) SetReadDeadline(t time.Time) error {
	if r.handed != nil {
		return r.handed.SetReadDeadline(t)
	}
	return nil
}

func (r *cipherConn) SetWriteDeadline(t time.Time) error {
	if r.handed != nil {
		return r.handed.SetWriteDeadline(t)
	}
	return nil
}

// handOver gives the socket to the Go runtime for a connection that
// leaves the loop (HTTP/2, a hijack): every method uses the returned
// duplicate from now on, after the ciphertext already buffered.
func (r *cipherConn) handOver() error {
	nc, err := r.c.hijack()
	if err != nil {
		return err
	}
	r.handshaking, r.blocking = false, true
	r.handed = nc
	return nil
}

// endHandshake stops the record-by-record feeding and forgets what the
// record layer would have needed.
func (r *cipherConn) endHandshake() {
	r.handshaking, r.recordLeft = false, 0
	r.clientSecret, r.serverSecret, r.sent, r.capturing = nil, nil, nil, false
}

// remoteAddr is a peer address the loop formatted at accept.
type remoteAddr string

func (a remoteAddr) Network() string { return "tcp" }
func (a remoteAddr) String() string  { return string(a) }

// keyLog is the connection's secretSink: its handshake's KeyLogWriter.
func (r *cipherConn) keyLog(next io.Writer) io.Writer { return &secretCapture{r: r, next: next} }

// secretCapture reads the application traffic secrets from the key log
// lines crypto/tls writes during the handshake (NSS key log format, one
// "LABEL client_random secret" line each), then passes the lines on.
type secretCapture struct {
	r    *cipherConn
	next io.Writer
}

func (w *secretCapture) Write(line []byte) (int, error) {
	fields := bytes.Fields(line)
	if len(fields) == 3 {
		secret, err := hex.DecodeString(string(fields[2]))
		switch string(fields[0]) {
		case "CLIENT_TRAFFIC_SECRET_0":
			if err == nil {
				w.r.clientSecret = secret
			}
		case "SERVER_TRAFFIC_SECRET_0":
			if err == nil {
				w.r.serverSecret = secret
				// Nothing sealed with it has been written yet: the
				// server's flight is still buffered.
				w.r.capturing, w.r.sent = true, w.r.sent[:0]
			}
		}
	}
	if w.next != nil {
		return w.next.Write(line)
	}
	return len(line), nil
}
