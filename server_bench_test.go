package holdfast_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"holdfast"
)

// The whole server path of a plain GET answered by an http.Handler that
// writes a fixed body, over a real loopback socket, beside net/http. The
// client writes pre-built requests and reads into a fixed buffer, so the
// allocations reported are the server's.

var helloBody = []byte("Hello, World!")

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(helloBody)
})

const benchRequest = "GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"

func BenchmarkServerGET(b *testing.B) { benchServers(b, 1) }

// BenchmarkServerPipelined sends 16 requests per write.
func BenchmarkServerPipelined(b *testing.B) { benchServers(b, 16) }

// benchServers runs the benchmark against each holdfast engine and net/http.
func benchServers(b *testing.B, depth int) {
	for _, e := range holdfast.Engines() {
		b.Run("holdfast-"+e.String(), func(b *testing.B) {
			l := listen(b)
			s := &holdfast.Server{Handler: hello, Engine: e, Policy: holdfast.Policy{MaxRequests: -1}}
			go s.Serve(l)
			defer s.Close()
			benchGET(b, l.Addr().String(), depth)
		})
	}
	b.Run("nethttp", func(b *testing.B) {
		l := listen(b)
		s := &http.Server{Handler: hello}
		go s.Serve(l)
		defer s.Close()
		benchGET(b, l.Addr().String(), depth)
	})
}

func listen(b *testing.B) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func benchGET(b *testing.B, addr string, depth int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchExchanges(b, c, depth)
}

// benchExchanges runs the benchmark's exchanges on c.
func benchExchanges(b *testing.B, c net.Conn, depth int) {
	req := bytes.Repeat([]byte(benchRequest), depth)
	buf := make([]byte, 64<<10)
	// One exchange first, to learn the response size (it varies with the
	// server's headers but not between requests).
	c.Write([]byte(benchRequest))
	n, err := c.Read(buf)
	if err != nil || !bytes.HasSuffix(buf[:n], helloBody) {
		b.Fatalf("first response %q, %v", buf[:n], err)
	}
	respLen := responseLength(buf[:n])
	b.ReportAllocs()
	b.SetBytes(int64(depth))
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:respLen*depth]); err != nil {
			b.Fatal(err)
		}
	}
}

// responseLength is the length of a response, from its Content-Length.
func responseLength(resp []byte) int {
	head, _, _ := bytes.Cut(resp, []byte("\r\n\r\n"))
	i := bytes.Index(head, []byte("Content-Length: "))
	j := bytes.IndexByte(head[i:], '\r')
	if j < 0 {
		j = len(head) - i
	}
	n, _ := strconv.Atoi(string(head[i+len("Content-Length: ") : i+j]))
	return len(head) + 4 + n
}
