package proxy_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// The proxy's cost per request, in one process: a client on loopback, the
// proxy in a holdfast server (each engine) or in net/http as
// httputil.ReverseProxy, the same upstream (holdfast answering a 13-byte
// body). What the proxy adds is the difference with BenchmarkDirect.

const benchGET = "GET /hello HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"

var helloBody = []byte("Hello, World!")

func benchUpstream(b *testing.B) string {
	l, err := holdfast.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &holdfast.Server{Engine: holdfast.EngineGoroutine, Policy: holdfast.Policy{MaxRequests: -1},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{"text/plain"}
			w.Write(helloBody)
		})}
	go s.Serve(l)
	b.Cleanup(func() { s.Close() })
	return "http://" + l.Addr().String()
}

// benchFront serves h with holdfast on engine e; the goroutine engine and
// net/http's server when e is -1.
func benchFront(b *testing.B, e holdfast.Engine, h http.Handler) string {
	l, err := holdfast.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if e == benchNetHTTP {
		s := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
		go s.Serve(l)
		b.Cleanup(func() { s.Close() })
	} else {
		s := &holdfast.Server{Handler: h, Engine: e, Policy: holdfast.Policy{MaxRequests: -1}, ErrorLog: quietLog}
		go s.Serve(l)
		b.Cleanup(func() { s.Close() })
	}
	return l.Addr().String()
}

const benchNetHTTP holdfast.Engine = 255

// quietLog drops what it is given.
var quietLog = slog.New(slog.DiscardHandler)

func BenchmarkDirect(b *testing.B) {
	up := benchUpstream(b)
	pingPong(b, up[len("http://"):])
}

func BenchmarkProxy(b *testing.B) {
	up := benchUpstream(b)
	for _, e := range engines() {
		b.Run("holdfast-"+e.String(), func(b *testing.B) {
			p, err := proxy.New(proxy.Config{Upstreams: []string{up}, ErrorLog: quietLog})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			pingPong(b, benchFront(b, e, p))
		})
	}
	b.Run("httputil", func(b *testing.B) {
		u, _ := url.Parse(up)
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.ErrorLog = log.New(io.Discard, "", 0)
		pingPong(b, benchFront(b, benchNetHTTP, rp))
	})
}

// dialBench connects to addr; nil (the benchmark failed) when it cannot.
func dialBench(b *testing.B, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return nil
	}
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	return c
}

// pingPong sends b.N GETs, one at a time, on one connection.
func pingPong(b *testing.B, addr string) {
	c := dialBench(b, addr)
	if c == nil {
		return
	}
	defer c.Close()
	buf := make([]byte, 4<<10)
	io.WriteString(c, benchGET)
	n, err := c.Read(buf)
	if err != nil || !bytes.HasSuffix(buf[:n], helloBody) {
		b.Fatalf("first response %q, %v", buf[:n], err)
	}
	respLen := n
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := io.WriteString(c, benchGET); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:respLen]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFastRouteWhileSlowRouteWaits measures the latency of a fast
// route while slowWaiting requests of a slow route (each answered by its
// upstream after slowDelay) wait, a new one arriving as soon as one is
// answered, through one front server with one event loop per processor.
// "offload" is the proxy as it is; "monitor-only" hides the server's
// ResponseWriter from holdfast.Offload, so that each slow request holds
// its loop until the engine's monitor takes it over (about 1 ms), as a
// blocking handler does. It reports the fast route's p50 and p99 in µs.
func BenchmarkFastRouteWhileSlowRouteWaits(b *testing.B) {
	const (
		slowWaiting = 300
		slowDelay   = 200 * time.Millisecond // 1,500 slow arrivals a second
	)
	for _, e := range engines() {
		for _, mode := range []string{"offload", "monitor-only"} {
			b.Run(e.String()+"-"+mode, func(b *testing.B) {
				up := benchUpstreamWith(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/slow" {
						time.Sleep(slowDelay)
					}
					w.Write(helloBody)
				}))
				p, err := proxy.New(proxy.Config{Upstreams: []string{up}, MaxIdle: -1, ErrorLog: quietLog})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				var h http.Handler = p
				if mode == "monitor-only" {
					h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.ServeHTTP(hiddenWriter{w}, r) })
				}
				addr := benchFront(b, e, h)
				stop := make(chan struct{})
				slowDone := keepSlowWaiting(b, addr, slowWaiting, stop)
				time.Sleep(slowDelay) // all of them waiting
				lat := fastLatencies(b, addr)
				close(stop)
				slowDone.Wait()
				b.ReportMetric(percentile(lat, 0.50), "p50-µs")
				b.ReportMetric(percentile(lat, 0.99), "p99-µs")
			})
		}
	}
}

func benchUpstreamWith(b *testing.B, h http.Handler) string {
	l, err := holdfast.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &holdfast.Server{Engine: holdfast.EngineGoroutine, Handler: h, Policy: holdfast.Policy{MaxRequests: -1}}
	go s.Serve(l)
	b.Cleanup(func() { s.Close() })
	return "http://" + l.Addr().String()
}

// hiddenWriter hides the server's ResponseWriter (and its Flusher) from
// holdfast.Offload.
type hiddenWriter struct{ w http.ResponseWriter }

func (h hiddenWriter) Header() http.Header         { return h.w.Header() }
func (h hiddenWriter) Write(p []byte) (int, error) { return h.w.Write(p) }
func (h hiddenWriter) WriteHeader(code int)        { h.w.WriteHeader(code) }

// keepSlowWaiting keeps n requests for /slow waiting, each on its own
// connection sending the next as soon as the last is answered, until stop
// is closed.
func keepSlowWaiting(b *testing.B, addr string, n int, stop chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			c := dialBench(b, addr)
			if c == nil {
				return
			}
			defer c.Close()
			buf := make([]byte, 4<<10)
			for {
				select {
				case <-stop:
					return
				default:
				}
				io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: bench\r\n\r\n")
				if _, err := readResponse(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	return &wg
}

// fastLatencies sends b.N fast requests from 8 connections, for 20 s at
// most, and returns each one's latency in µs.
func fastLatencies(b *testing.B, addr string) []float64 {
	const conns = 8
	var mu sync.Mutex
	var lat []float64
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := 0; g < conns; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialBench(b, addr)
			if c == nil {
				return
			}
			defer c.Close()
			buf := make([]byte, 4<<10)
			var mine []float64
			for i := g; i < b.N && ctx.Err() == nil; i += conns {
				start := time.Now()
				io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: bench\r\n\r\n")
				if _, err := readResponse(c, buf); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, float64(time.Since(start).Microseconds()))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	return lat
}

// readResponse reads one response that ends with helloBody.
func readResponse(c net.Conn, buf []byte) (int, error) {
	n := 0
	for !bytes.HasSuffix(buf[:n], helloBody) {
		m, err := c.Read(buf[n:])
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	return v[min(len(v)-1, int(q*float64(len(v))))]
}
