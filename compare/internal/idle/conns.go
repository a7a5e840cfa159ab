package idle

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

var request = []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

// clientTLS is the TLS of every connection: HTTP/1.1 by ALPN, sessions
// resumed (opening 19,000 connections goes faster; what the server keeps
// of an idle connection does not depend on it), the certificate unchecked.
var clientTLS = &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"},
	ClientSessionCache: tls.NewLRUClientSessionCache(1)}

// openAll opens c.N connections, c.Concurrency at a time, each making one
// request. Failures are counted, not fatal: a server that cannot hold N is a
// result.
func openAll(c Config, srcs []net.IP) (conns []net.Conn, failed int, firstErr error) {
	var mu sync.Mutex // guards conns, failed, firstErr
	idx := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < c.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				conn, err := openOne(c, srcs[i%len(srcs)])
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					conns = append(conns, conn)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < c.N; i++ {
		idx <- i
	}
	close(idx)
	wg.Wait()
	return conns, failed, firstErr
}

// openOne dials from src and makes one request, leaving the connection idle
// in keep-alive. The bufio.Reader is dropped afterwards; nothing more is
// read until countClosed.
func openOne(c Config, src net.IP) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: c.Timeout}
	conn, err := d.Dial("tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	if c.TLS {
		conn = tls.Client(conn, clientTLS)
	}
	if err := exchange(conn, c.Timeout); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func exchange(conn net.Conn, timeout time.Duration) error {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(request); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 512), nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != 200:
		return fmt.Errorf("status %d", resp.StatusCode)
	case resp.Close:
		return errors.New("server answered Connection: close")
	}
	return nil
}

// countClosed finds connections the server closed during the test: a read
// with a short deadline times out on a live idle connection and returns EOF
// (or a reset) on a closed one.
func countClosed(conns []net.Conn, workers int) int {
	var mu sync.Mutex
	closed := 0
	ch := make(chan net.Conn)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b [1]byte
			for c := range ch {
				c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				if _, err := c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
					mu.Lock()
					closed++
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range conns {
		ch <- c
	}
	close(ch)
	wg.Wait()
	return closed
}

// ParseSources reads "127.0.0.2-127.0.0.9" (a range over the last octet)
// or a comma-separated list of IPv4 addresses.
func ParseSources(s string) ([]net.IP, error) {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		return ipRange(lo, hi)
	}
	var out []net.IP
	for _, f := range strings.Split(s, ",") {
		ip := net.ParseIP(strings.TrimSpace(f)).To4()
		if ip == nil {
			return nil, fmt.Errorf("bad source address %q", f)
		}
		out = append(out, ip)
	}
	return out, nil
}

func ipRange(lo, hi string) ([]net.IP, error) {
	a, b := net.ParseIP(lo).To4(), net.ParseIP(hi).To4()
	if a == nil || b == nil || !bytes.Equal(a[:3], b[:3]) || a[3] > b[3] {
		return nil, fmt.Errorf("bad source range %s-%s (same /24, low to high)", lo, hi)
	}
	var out []net.IP
	for x := int(a[3]); x <= int(b[3]); x++ {
		out = append(out, net.IPv4(a[0], a[1], a[2], byte(x)).To4())
	}
	return out, nil
}
