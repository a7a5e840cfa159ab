package holdfast_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"

	"holdfast"
)

// What an Offload costs a request: the plain GET of BenchmarkServerGET,
// answered inline and answered after Offload (the loop handed to a new
// goroutine, the connection handed back through the loop's inbox), by one
// connection at a time and by 64 at once.
func BenchmarkOffload(b *testing.B) {
	offloaded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		holdfast.Offload(w)
		hello(w, r)
	})
	for _, e := range holdfast.Engines() {
		for _, h := range []struct {
			name    string
			handler http.Handler
		}{{"inline", hello}, {"offload", offloaded}} {
			b.Run(e.String()+"-"+h.name, func(b *testing.B) {
				addr := benchServer(b, e, h.handler)
				benchGET(b, addr, 1)
			})
			b.Run(e.String()+"-"+h.name+"-64conns", func(b *testing.B) {
				addr := benchServer(b, e, h.handler)
				benchParallelGET(b, addr)
			})
		}
	}
}

func benchServer(b *testing.B, e holdfast.Engine, h http.Handler) string {
	l := listen(b)
	s := &holdfast.Server{Handler: h, Engine: e, Policy: holdfast.Policy{MaxRequests: -1}}
	go s.Serve(l)
	b.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

// benchParallelGET sends b.N GETs over 64 connections, one request in
// flight on each.
func benchParallelGET(b *testing.B, addr string) {
	b.SetParallelism(64)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		buf := make([]byte, 4<<10)
		respLen := 0
		for pb.Next() {
			if _, err := io.WriteString(c, benchRequest); err != nil {
				b.Error(err)
				return
			}
			if respLen == 0 {
				n, err := c.Read(buf)
				if err != nil || !bytes.HasSuffix(buf[:n], helloBody) {
					b.Errorf("first response %q, %v", buf[:n], err)
					return
				}
				respLen = responseLength(buf[:n])
				continue
			}
			if _, err := io.ReadFull(c, buf[:respLen]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
