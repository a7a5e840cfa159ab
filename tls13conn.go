package holdfast

import (
	"net"
	"sync"
)

// recordConn is a hijacked TLS 1.3 connection whose records the engine's
// record layer carried (see recordLayer): a net.Conn that goes on sealing
// and opening them over the socket, which the runtime now polls. Read and
// Write may be called from two goroutines at once, as on any net.Conn.
type recordConn struct {
	net.Conn // the socket: addresses and deadlines

	readMu  sync.Mutex // serializes Read; guards records' reading side
	writeMu sync.Mutex // serializes Write and Close; guards the writing side
	records *recordLayer
	closed  bool // guarded by writeMu
}

func newRecordConn(nc net.Conn, records *recordLayer) *recordConn {
	return &recordConn{Conn: nc, records: records}
}

func (c *recordConn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	return c.records.read(p, c.Conn)
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	bp := sealPool.Get().(*[]byte)
	defer sealPool.Put(bp)
	buf := *bp
	done := 0
	for done < len(p) {
		if c.records.keyUpdateDue() {
			rec, err := c.records.keyUpdateRecord(buf)
			if err == nil {
				_, err = c.Conn.Write(rec)
			}
			if err != nil {
				return done, err
			}
		}
		n := copy(buf[recordHeaderLen:recordHeaderLen+maxPlaintext], p[done:])
		rec, err := c.records.seal(buf, n, recordAppData)
		if err != nil {
			return done, err
		}
		if _, err := c.Conn.Write(rec); err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// Close sends close_notify and closes the socket.
func (c *recordConn) Close() error {
	c.writeMu.Lock()
	if !c.closed {
		c.closed = true
		bp := sealPool.Get().(*[]byte)
		if rec, err := c.records.alertRecord(*bp, alertCloseNotify); err == nil {
			c.Conn.Write(rec)
		}
		sealPool.Put(bp)
	}
	c.writeMu.Unlock()
	return c.Conn.Close()
}
