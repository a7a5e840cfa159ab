package proxy_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// A Proxy is an http.Handler: here in a holdfast server, in front of one
// upstream.
func Example() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s from %s, via %s", r.URL.Path, r.Header.Get("X-Forwarded-For"), r.Header.Get("Via"))
	}))
	defer upstream.Close()

	p, err := proxy.New(proxy.Config{Upstreams: []string{upstream.URL}})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	l, err := holdfast.Listen("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &holdfast.Server{Handler: p}
	go srv.Serve(l)
	defer srv.Close()

	resp, err := http.Get("http://" + l.Addr().String() + "/hello")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK /hello from 127.0.0.1, via 1.1 holdfast
}

// Several upstreams, their pools' policy, and active health checks; zero
// fields keep the documented defaults.
func ExampleConfig() {
	p, err := proxy.New(proxy.Config{
		Upstreams:      []string{"http://10.0.0.1:8080", "http://10.0.0.2:8080"},
		Balance:        proxy.LeastRequests,
		IdleTimeout:    2 * time.Second, // the backends keep idle connections for 3 s and do not say so
		MaxConns:       256,             // per upstream; requests beyond it wait
		Timeout:        10 * time.Second,
		HealthPath:     "/healthz",
		HealthInterval: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	fmt.Println(len(p.Upstreams()), "upstreams")
	// Output: 2 upstreams
}

// Upstreams tells how well the pools reuse their connections: here ten
// clients that each close their connection after one request, as
// HTTP/1.0 clients do, share one upstream connection.
func ExampleProxy_Upstreams() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer upstream.Close()
	p, err := proxy.New(proxy.Config{Upstreams: []string{upstream.URL}})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	front := httptest.NewServer(p) // net/http works too
	defer front.Close()

	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", front.Listener.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		io.Copy(io.Discard, c) // until the front closes
		c.Close()
	}
	for _, u := range p.Upstreams() {
		fmt.Printf("%d requests, %d connections opened, %d on a reused connection\n", u.Requests, u.ConnectionsOpened, u.Reused)
	}
	// Output: 10 requests, 1 connections opened, 9 on a reused connection
}
