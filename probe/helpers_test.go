package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
)

func audit(t *testing.T, cfg Config) *Report {
	t.Helper()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// startHoldfast serves a handler that echoes the request's query, so that
// pipelined answers can be matched to their requests.
func startHoldfast(t *testing.T, pol holdfast.Policy) string {
	return startHoldfastOn(t, pol, false)
}

// startHoldfastOn is startHoldfast, over TLS (a self-signed certificate)
// when secure.
func startHoldfastOn(t *testing.T, pol holdfast.Policy, secure bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &holdfast.Server{Policy: pol, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.URL.RawQuery)
	})}
	done := make(chan struct{})
	scheme := "http://"
	if secure {
		cert, err := selfsigned.New([]string{"127.0.0.1"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
		scheme = "https://"
		go func() { srv.ServeTLS(ln, "", ""); close(done) }()
	} else {
		go func() { srv.Serve(ln); close(done) }()
	}
	t.Cleanup(func() { srv.Close(); <-done })
	return scheme + ln.Addr().String() + "/"
}

// rawServer accepts connections and hands each to serve on its own
// goroutine; cleanup closes everything and waits.
type rawServer struct {
	ln   net.Listener
	mu   sync.Mutex
	open map[net.Conn]bool // guarded by mu
	wg   sync.WaitGroup
}

func startRaw(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, open: map[net.Conn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				serve(c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/"
}

// within reports whether got is want ± tol.
func within(got, want, tol time.Duration) bool {
	return got >= want-tol && got <= want+tol
}
