//go:build unix

package holdfast_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"holdfast"
	"holdfast/internal/testrig"
)

// A connection whose head has started but not completed (a slow client,
// slowloris) must cost little on either engine: its bytes and the parser's
// place in them, not an exchange's buffers. The clients are raw sockets,
// so that only the server's memory is counted; the bounds are on the live
// heap (the goroutine engine's stacks, larger under the race detector, are
// reported). The head then completes in pieces larger than what the
// waiting head was given room for, and every request is answered with its
// fields intact.
func TestSlowHeadIsCheap(t *testing.T) {
	const conns = 400
	limits := map[holdfast.Engine]uint64{holdfast.EngineEpoll: 1024, holdfast.EngineGoroutine: 4096}
	start := "GET /slow HTTP/1.1\r\nHost: test\r\nUser-Agent: slowloris\r\n"
	pad := "X-Pad: " + strings.Repeat("a", 3000) + "\r\n"
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %s", len(r.Header.Get("X-Pad")), r.UserAgent())
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, handler)
		heapBefore, stackBefore := memoryHeld()
		fds := dialRaw(t, ts.addr, conns)
		sendAll(t, fds, start)
		waitStats(t, ts.Server, "every head started", func(st holdfast.Stats) bool {
			return st.OpenByState[holdfast.StateReadingHead] == conns && st.BytesIn == uint64(conns*len(start))
		})
		heapPer, stackPer := perConnection(heapBefore, stackBefore, conns)
		t.Logf("%s: %d heap bytes and %d stack bytes per connection with a started head", e, heapPer, stackPer)
		if limit := limits[e]; heapPer > limit {
			t.Errorf("%d heap bytes per connection with a started head, over %d", heapPer, limit)
		}

		sendAll(t, fds, pad)
		waitStats(t, ts.Server, "the padding read", func(st holdfast.Stats) bool {
			return st.BytesIn == uint64(conns*(len(start)+len(pad)))
		})
		sendAll(t, fds, "\r\n")
		for i, fd := range fds {
			resp, body := readRawResponse(t, fd)
			if resp.StatusCode != 200 || body != "3000 slowloris" {
				t.Fatalf("connection %d: status %d, body %q", i, resp.StatusCode, body)
			}
		}
	})
}

// An idle keep-alive connection holds no exchange on either engine: the
// epoll engine keeps a record, the goroutine engine a goroutine (whose
// stack, larger under the race detector, is reported) and a record. The
// bounds are on the live heap.
func TestIdleIsCheap(t *testing.T) {
	const conns = 400
	limits := map[holdfast.Engine]uint64{holdfast.EngineEpoll: 512, holdfast.EngineGoroutine: 4096}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		heapBefore, stackBefore := memoryHeld()
		fds := dialRaw(t, ts.addr, conns)
		for i, fd := range fds {
			sendAll(t, []int{fd}, "GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, body := readRawResponse(t, fd); resp.StatusCode != 200 || body != "GET /idle " {
				t.Fatalf("connection %d: status %d, body %q", i, resp.StatusCode, body)
			}
		}
		waitStats(t, ts.Server, "every connection idle", func(st holdfast.Stats) bool {
			return st.OpenByState[holdfast.StateIdle] == conns
		})
		heapPer, stackPer := perConnection(heapBefore, stackBefore, conns)
		t.Logf("%s: %d heap bytes and %d stack bytes per idle connection", e, heapPer, stackPer)
		if limit := limits[e]; heapPer > limit {
			t.Errorf("%d heap bytes per idle connection, over %d", heapPer, limit)
		}
	})
}

// memoryHeld is what the process holds for its data after a collection:
// the live heap and the goroutines' stacks.
func memoryHeld() (heap, stack uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse
}

// dialRaw opens n blocking TCP connections to addr without the Go
// runtime's poller, each with a 10-second receive timeout; the test's end
// closes them.
func dialRaw(t *testing.T, addr string, n int) []int {
	t.Helper()
	ap, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	sa := &syscall.SockaddrInet4{Port: ap.Port}
	copy(sa.Addr[:], ap.IP.To4())
	fds := make([]int, 0, n)
	t.Cleanup(func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	})
	timeout := syscall.NsecToTimeval(int64(ioTimeout))
	for range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, fd)
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &timeout); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Connect(fd, sa); err != nil {
			t.Fatal(err)
		}
	}
	return fds
}

func sendAll(t *testing.T, fds []int, s string) {
	t.Helper()
	for _, fd := range fds {
		if n, err := syscall.Write(fd, []byte(s)); n != len(s) || err != nil {
			t.Fatalf("write: %d of %d bytes, %v", n, len(s), err)
		}
	}
}

// rawReader reads a raw socket; a timeout ends the read with an error.
type rawReader int

func (fd rawReader) Read(p []byte) (int, error) {
	n, err := syscall.Read(int(fd), p)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	return n, nil
}

func readRawResponse(t *testing.T, fd int) (*http.Response, string) {
	t.Helper()
	return testrig.ReadResponse(t, bufio.NewReader(rawReader(fd)), "GET")
}

// perConnection is the growth of the heap and of the stacks since the
// given figures, per connection.
func perConnection(heapBefore, stackBefore uint64, conns int) (heap, stack uint64) {
	h, s := memoryHeld()
	return (max(h, heapBefore) - heapBefore) / uint64(conns), (max(s, stackBefore) - stackBefore) / uint64(conns)
}
