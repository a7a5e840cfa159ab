package holdfast

import (
	"crypto/tls"
	"net"
	"time"
)

// The serving side of an epoll TLS connection: tlsSession is the wire of
// its exchange. Reads and writes go through the record layer (or
// crypto/tls) and, underneath, the connection's own blocking-looking
// socket calls (loopConn.readBody, loopConn.write), so that waits,
// timeouts and the loop's takeover work as they do in plain HTTP.

func (s *tlsSession) readBody(p []byte) (int, error) {
	if s.records != nil {
		return s.records.read(p, servingSource{s.c})
	}
	return s.stream.Read(p)
}

// servingSource reads ciphertext for a serving goroutine: it waits, under
// the body timeout.
type servingSource struct{ c *loopConn }

func (src servingSource) Read(p []byte) (int, error) { return src.c.readBody(p) }

func (s *tlsSession) write(p []byte) (int, error) {
	n, err := s.writev(p, nil)
	return int(n), err
}

// writev writes a then b, sealed together: a response head and its body
// share records.
func (s *tlsSession) writev(a, b []byte) (int64, error) {
	if s.records == nil {
		n, err := s.stream.Write(a)
		if err != nil || len(b) == 0 {
			return int64(n), err
		}
		m, err := s.stream.Write(b)
		return int64(n + m), err
	}
	bp := sealPool.Get().(*[]byte)
	defer sealPool.Put(bp)
	buf := *bp
	var done int64
	for len(a)+len(b) > 0 {
		if err := s.keyUpdateFirst(buf); err != nil {
			return done, err
		}
		n := copy(buf[recordHeaderLen:recordHeaderLen+maxPlaintext], a)
		a = a[n:]
		if len(a) == 0 {
			m := copy(buf[recordHeaderLen+n:recordHeaderLen+maxPlaintext], b)
			b = b[m:]
			n += m
		}
		rec, err := s.records.seal(buf, n, recordAppData)
		if err != nil {
			return done, err
		}
		if _, err := s.c.write(rec); err != nil {
			return done, err
		}
		done += int64(n)
	}
	return done, nil
}

// keyUpdateFirst sends the KeyUpdate the client asked for, before the
// next application data (RFC 8446 §4.6.3).
func (s *tlsSession) keyUpdateFirst(buf []byte) error {
	if !s.records.keyUpdateDue() {
		return nil
	}
	rec, err := s.records.keyUpdateRecord(buf)
	if err != nil {
		return err
	}
	_, err = s.c.write(rec)
	return err
}

func (s *tlsSession) watch(rc *reqContext)           { s.c.watch(rc) }
func (s *tlsSession) unwatch()                       { s.c.unwatch() }
func (s *tlsSession) localAddr() net.Addr            { return s.c.localAddr() }
func (s *tlsSession) clock() (time.Time, int64)      { return s.c.clock() }
func (s *tlsSession) wake()                          { s.c.wake() }
func (s *tlsSession) abort()                         { s.c.abort() }
func (s *tlsSession) tlsState() *tls.ConnectionState { return s.info.state() }

// hijack hands the connection over as a net.Conn that speaks TLS: the
// crypto/tls.Conn, or a recordConn carrying on the record layer, over a
// duplicate of the socket the runtime polls. The loop closes the original
// (msgForget).
func (s *tlsSession) hijack() (net.Conn, error) {
	if s.records != nil {
		nc, err := s.c.hijack()
		if err != nil {
			return nil, err
		}
		return newRecordConn(nc, s.records), nil
	}
	if err := s.raw.handOver(); err != nil {
		return nil, err
	}
	return s.stream, nil
}
