package crowd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ending is how one connection ended.
type ending struct {
	by     string // "server", "client" (its lifetime was over), "timeout" (no answer in time) or "end" (the run ended)
	status int    // the status the server answered before closing; 0: none
	reset  bool   // the server's close was a reset
	failed bool   // a keep-alive request went unanswered
}

// slowHeaders sends a request head one line per Interval until the server
// answers or closes, or ctx ends.
func (c *Crowd) slowHeaders(ctx context.Context, conn net.Conn) ending {
	head := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: crowd-slow-headers\r\n", c.cfg.Path, c.cfg.Addr)
	if _, err := io.WriteString(conn, head); err != nil {
		return serverEnding(ctx, err, 0)
	}
	var buf [512]byte
	status := 0
	for line := 0; ; line++ {
		conn.SetReadDeadline(time.Now().Add(c.cfg.Interval))
		n, err := conn.Read(buf[:])
		if n > 0 && status == 0 {
			status = parseStatus(buf[:n])
		}
		switch {
		case err == nil:
			continue // the server answered: read on until it closes
		case !errors.Is(err, os.ErrDeadlineExceeded):
			return serverEnding(ctx, err, status)
		case ctx.Err() != nil:
			return ending{by: "end", status: status}
		case status != 0:
			continue // answered, not closed yet: wait for the close
		}
		if _, err := fmt.Fprintf(conn, "X-Slow-%d: %d\r\n", line, line); err != nil {
			return serverEnding(ctx, err, status)
		}
	}
}

// keepAlive sends a GET every Interval (jittered) until its lifetime is
// over, the server closes, or ctx ends.
func (c *Crowd) keepAlive(ctx context.Context, conn net.Conn) ending {
	var until time.Time
	if c.cfg.Lifetime > 0 {
		until = time.Now().Add(jitter(c.cfg.Lifetime))
	}
	req := []byte(fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", c.cfg.Path, c.cfg.Addr))
	br := bufio.NewReaderSize(conn, 4096)
	for {
		closing, err := c.request(conn, br, req)
		if err != nil {
			e := serverEnding(ctx, err, 0)
			e.failed = e.by == "server" || e.by == "timeout"
			return e
		}
		c.count(func(t *Tally) { t.Requests++ })
		if closing {
			return ending{by: "server", status: 200}
		}
		wait := jitter(c.cfg.Interval)
		if !until.IsZero() && time.Until(until) < wait {
			return ending{by: "client"}
		}
		select {
		case <-ctx.Done():
			return ending{by: "end"}
		case <-time.After(wait):
		}
	}
}

// request makes one exchange; closing says the server announced its close.
func (c *Crowd) request(conn net.Conn, br *bufio.Reader, req []byte) (closing bool, err error) {
	conn.SetDeadline(time.Now().Add(c.cfg.Timeout))
	if _, err := conn.Write(req); err != nil {
		return false, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.Close, err
}

// serverEnding names the end of a connection on err: the run's end if ctx
// is over, the client's giving up if a response took longer than its
// timeout, else the server's close (a reset or not).
func serverEnding(ctx context.Context, err error, status int) ending {
	switch {
	case ctx.Err() != nil:
		return ending{by: "end", status: status}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ending{by: "timeout", status: status}
	}
	return ending{by: "server", status: status, reset: errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)}
}

// parseStatus reads the status code of "HTTP/1.x NNN ..."; 0 if b is not
// a status line.
func parseStatus(b []byte) int {
	if len(b) < 12 || string(b[:7]) != "HTTP/1." || b[8] != ' ' {
		return 0
	}
	n, err := strconv.Atoi(string(b[9:12]))
	if err != nil {
		return 0
	}
	return n
}
