package proxy_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// Chunked bodies pass both ways with their trailers: the client's reach
// the upstream's handler, the upstream's reach the client.
func TestChunkedBodiesWithTrailers(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		got := make(chan string, 1)
		url, _ := netHTTPUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got <- string(body) + "|" + r.Trailer.Get("X-Req-Sum") + "|" + strings.Join(r.TransferEncoding, ",")
			w.Header().Set("Trailer", "X-Resp-Sum")
			io.WriteString(w, "chunk1")
			w.(http.Flusher).Flush()
			io.WriteString(w, "chunk2")
			w.Header().Set("X-Resp-Sum", "def")
		}))
		f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})
		c := dialRaw(t, f.addr)
		c.send("POST /trail HTTP/1.1\r\nHost: front\r\nTransfer-Encoding: chunked\r\nTrailer: X-Req-Sum\r\n\r\n" +
			"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Req-Sum: abc\r\n\r\n")
		resp, body := c.response("POST")
		if resp.StatusCode != 200 || body != "chunk1chunk2" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("response framing %q, want chunked", resp.TransferEncoding)
		}
		if v := resp.Trailer.Get("X-Resp-Sum"); v != "def" {
			t.Errorf("response trailer X-Resp-Sum %q, want def (trailers %v)", v, resp.Trailer)
		}
		if s := <-got; s != "hello world|abc|chunked" {
			t.Errorf("upstream got body|trailer|framing %q", s)
		}
	})
}

// Expect: 100-continue goes upstream, and the client's 100 follows the
// upstream's: the body is asked for only when the upstream wants it. An
// upstream that answers without wanting it gets its answer to the client,
// and the body is never sent.
func TestExpectContinuePassedThrough(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		entered, release := make(chan struct{}, 1), make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
			body, _ := io.ReadAll(r.Body) // the upstream's 100 goes out here
			io.WriteString(w, "got "+string(body))
		})
		mux.HandleFunc("/refuse", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusUnauthorized)
		})
		url, _ := holdfastUpstream(t, mux)
		f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})

		c := dialRaw(t, f.addr)
		c.send("PUT /upload HTTP/1.1\r\nHost: front\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		<-entered
		c.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := c.br.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the client heard from the proxy before the upstream asked for the body: %v", err)
		}
		close(release)
		c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "PUT"})
		if err != nil || resp.StatusCode != http.StatusContinue {
			t.Fatalf("want 100 Continue, got %v %v", resp, err)
		}
		c.send("hello")
		if resp, body := c.response("PUT"); resp.StatusCode != 200 || body != "got hello" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}

		c = dialRaw(t, f.addr)
		c.send("PUT /refuse HTTP/1.1\r\nHost: front\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		resp, body := c.response("PUT")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(body, "no") {
			t.Fatalf("%d %q, want the upstream's 401 without a 100", resp.StatusCode, body)
		}
	})
}
