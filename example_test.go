package holdfast_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"holdfast"
)

// A server whose connections are held 2 minutes when idle and carry at
// most 10,000 requests, serving an ordinary http.Handler.
func ExampleServer() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})
	srv := &holdfast.Server{
		Handler: mux,
		Policy:  holdfast.Policy{IdleTimeout: 2 * time.Minute, MaxRequests: 10000},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	resp, err := http.Get("http://" + l.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s%s\n", body, resp.Header.Get("Keep-Alive"))
	// Output:
	// hello
	// timeout=120, max=9999
}

// Two requests on one connection: the second rode the connection the first
// opened, and the server counts it as reused.
func ExampleServer_Stats() {
	srv := &holdfast.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := holdfast.ConnIDFromContext(r.Context())
		fmt.Fprint(w, id)
	})}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	httpClient := &http.Client{Transport: tr}
	var ids []string
	for i := 0; i < 2; i++ {
		resp, err := httpClient.Get("http://" + l.Addr().String() + "/")
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ids = append(ids, string(b))
	}
	st := srv.Stats()
	fmt.Println("same connection:", ids[0] == ids[1])
	fmt.Println("requests:", st.Requests, "reused:", st.RequestsReused)
	// Output:
	// same connection: true
	// requests: 2 reused: 1
}

// Short connections: every response carries Connection: close, and every
// connection serves one request.
func ExamplePolicy_shortConnections() {
	p := holdfast.Policy{KeepAlive: holdfast.Off}
	fmt.Println(p.KeepAlive == holdfast.Off)
	// Output: true
}

// The classic TCP keepalive values (2 hours, then 10 probes 75 s apart).
func ExamplePolicy_ClassicTCPKeepAlive() {
	p := holdfast.Policy{}.ClassicTCPKeepAlive()
	fmt.Println(p.TCPKeepAliveIdle, p.TCPKeepAliveInterval, p.TCPKeepAliveCount)
	// Output: 2h0m0s 1m15s 10
}

// Every close has a reason, named as in the stats.
func ExampleCloseReason() {
	fmt.Println(holdfast.CloseIdleTimeout, holdfast.CloseMaxRequests, holdfast.CloseKeepAliveTimeout)
	// Output: idle-timeout max-requests keepalive-timeout
}
