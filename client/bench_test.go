package client

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"holdfast/internal/testrig"
)

// fastResponder answers every request head on the connection with a
// fixed 200 response, without parsing beyond the end of each head: the
// cheapest server there is, so that a benchmark measures the client.
func fastResponder(c net.Conn) {
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\nContent-Length: 13\r\n\r\nHello, World!")
	buf := make([]byte, 8<<10)
	var out []byte
	w := 0
	for {
		n, err := c.Read(buf[w:])
		if n == 0 {
			_ = err
			return
		}
		w += n
		r := 0
		out = out[:0]
		for {
			i := bytes.Index(buf[r:w], []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			r += i + 4
			out = append(out, resp...)
		}
		w = copy(buf, buf[r:w])
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

// BenchmarkTransport measures GET round trips per second through the
// http.RoundTripper API of each Transport, 64 callers in parallel, against
// the same raw responder on loopback. Run both on an otherwise idle
// machine, or compare cpu-ns/op (this process's CPU per request, server
// included).
func BenchmarkTransport(b *testing.B) {
	srv := newRawServer(b, fastResponder)
	url := srv.URL() + "/bench"
	run := func(b *testing.B, rt http.RoundTripper) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		cpu := testrig.CPUTime()
		b.RunParallel(func(pb *testing.PB) {
			req, _ := http.NewRequest("GET", url, nil) // one per caller, reused
			for pb.Next() {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		// Client and server CPU together: the server's share is the same
		// for both transports.
		b.ReportMetric(float64(testrig.CPUTime()-cpu)/float64(b.N), "cpu-ns/op")
	}
	b.Run("holdfast", func(b *testing.B) {
		tr := &Transport{MaxIdlePerHost: 128}
		defer tr.CloseIdleConnections()
		run(b, tr)
	})
	b.Run("nethttp", func(b *testing.B) {
		tr := &http.Transport{MaxIdleConnsPerHost: 128, MaxIdleConns: 128, DisableCompression: true}
		defer tr.CloseIdleConnections()
		run(b, tr)
	})
}
