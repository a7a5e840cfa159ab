package client_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"holdfast/client"
)

// A Transport's zero value is ready to use with http.Client.
func ExampleTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.URL.Query().Get("name"))
	}))
	defer srv.Close()

	httpClient := &http.Client{Transport: &client.Transport{}}
	defer httpClient.CloseIdleConnections()
	resp, err := httpClient.Get(srv.URL + "/?name=gopher")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK hello, gopher
}

// Pool limits and timeouts are fields; zero keeps the documented default.
func ExampleTransport_configured() {
	tr := &client.Transport{
		MaxIdlePerHost:        16,
		MaxConnsPerHost:       64, // callers wait beyond it, until their context ends
		IdleTimeout:           30 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		TCPKeepAliveIdle:      15 * time.Second,
	}
	defer tr.CloseIdleConnections()
	httpClient := &http.Client{Transport: tr, Timeout: time.Minute}
	_ = httpClient
	// Output:
}

// Stats shows what keep-alive saved, and why connections closed.
func ExampleTransport_Stats() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	tr := &client.Transport{}
	httpClient := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		resp, err := httpClient.Post(srv.URL, "text/plain", strings.NewReader("data"))
		if err != nil {
			fmt.Println(err)
			return
		}
		io.Copy(io.Discard, resp.Body) // read to the end: the connection goes back to the pool
		resp.Body.Close()
	}
	httpClient.CloseIdleConnections()

	st := tr.Stats()
	fmt.Println("requests:", st.Requests, "dials:", st.Dials, "reuses:", st.Reuses)
	fmt.Println("closed by CloseIdleConnections:", st.Closed[client.CloseIdleConns])
	// Output:
	// requests: 3 dials: 1 reuses: 2
	// closed by CloseIdleConnections: 1
}
