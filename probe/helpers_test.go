package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
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

// startRaw starts the test rig's raw TCP server; it returns its URL.
func startRaw(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	return testrig.NewRawServer(t, serve).URL() + "/"
}

// within reports whether got is want ± tol.
func within(got, want, tol time.Duration) bool {
	return got >= want-tol && got <= want+tol
}
