package holdfast_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// echo answers with the method, path and body it received.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
})

func TestPipelinedInOrder(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		c := ts.dial(t)
		c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
			"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
			"POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
			"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n")
		for _, want := range []string{"GET /1 ", "POST /2 hello", "POST /3 abc", "GET /4 "} {
			if _, body := c.response("GET"); body != want {
				t.Fatalf("got %q, want %q", body, want)
			}
		}
		c.expectOpen()
	})
}

// Requests sent a byte at a time, each byte read by the server before the
// next is sent, are served exactly as when sent whole, over TCP and over
// TLS: a head that waits between reads resumes where it stopped, whether
// it follows a request just served or starts a connection, and bodies and
// pipelining are unaffected.
func TestHeadsByteByByte(t *testing.T) {
	stream := "GET /1 HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n"
	check := func(t *testing.T, ts *testServer, c *client) {
		for i := range len(stream) {
			c.send(stream[i : i+1])
			waitStats(t, ts.Server, fmt.Sprintf("byte %d read", i+1), func(st holdfast.Stats) bool {
				return st.BytesIn == uint64(i+1)
			})
		}
		for _, want := range []string{"GET /1 ", "POST /2 hello", "POST /3 abc", "GET /4 "} {
			if _, body := c.response("GET"); body != want {
				t.Fatalf("got %q, want %q", body, want)
			}
		}
		c.expectOpen()
	}
	t.Run("tcp", func(t *testing.T) {
		run(t, func(t *testing.T, e holdfast.Engine) {
			ts := newServer(t, e, echo)
			check(t, ts, ts.dial(t))
		})
	})
	t.Run("tls", func(t *testing.T) {
		run(t, func(t *testing.T, e holdfast.Engine) {
			ts := newTLSServer(t, e, echo)
			check(t, ts, ts.dialTLS(t, nil))
		})
	})
}

// A head that outgrows the limit while it waits between reads, parked in
// pieces, is refused as one sent whole is: 431, and the connection closes.
func TestOversizedHeadInPieces(t *testing.T) {
	start := "GET / HTTP/1.1\r\nHost: x\r\n"
	piece := strings.Repeat("X-Filler: "+strings.Repeat("f", 1014)+"\r\n", 8) // 8 KiB
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		c := ts.dial(t)
		sent := 0
		send := func(s string) {
			c.send(s)
			sent += len(s)
			waitStats(t, ts.Server, fmt.Sprintf("%d bytes read", sent), func(st holdfast.Stats) bool {
				return st.BytesIn == uint64(sent)
			})
		}
		send(start)
		for range 7 { // 56 KiB of fields: under the 64 KiB limit
			send(piece)
		}
		c.send(piece)
		resp, _ := c.response("GET")
		if resp.StatusCode != 431 || !resp.Close {
			t.Fatalf("status %d, close %v; want 431 and close", resp.StatusCode, resp.Close)
		}
		c.expectClosed()
	})
}

// Pipelined responses leave in one write when they are ready together.
func TestPipelinedBatched(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, connID)
		c := ts.dial(t)
		c.send(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 16))
		for i := 0; i < 16; i++ {
			c.response("GET")
		}
	})
}

func TestExpectContinue(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		c := ts.dial(t)
		c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		line, err := c.br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("got %q, %v; want 100 Continue", line, err)
		}
		if blank, _ := c.br.ReadString('\n'); blank != "\r\n" {
			t.Fatalf("100 Continue followed by %q", blank)
		}
		c.send("hello")
		if _, body := c.response("POST"); body != "POST /up hello" {
			t.Fatalf("body %q", body)
		}
		c.expectOpen()
	})
}

// A handler that answers without reading gets no 100 Continue sent for it,
// and the connection closes: the client may or may not send the body.
func TestExpectContinueRefused(t *testing.T) {
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 403) })
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, refuse)
		c := ts.dial(t)
		c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		resp, _ := c.response("POST")
		if resp.StatusCode != 403 || !resp.Close {
			t.Fatalf("status %d close %v, want 403 and close", resp.StatusCode, resp.Close)
		}
		c.expectClosed()
		waitStats(t, ts.Server, "unread-body", closedBy(holdfast.CloseUnreadBody, 1))
	})
}

// A client that shuts down its write side after its request still gets
// the response; then the connection closes.
func TestHalfClose(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, echo)
		c := ts.dial(t)
		c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
		c.nc.(interface{ CloseWrite() error }).CloseWrite()
		if _, body := c.response("POST"); body != "POST /x hi" {
			t.Fatalf("body %q", body)
		}
		c.expectClosed()
		waitStats(t, ts.Server, "client-close", closedBy(holdfast.CloseClient, 1))
	})
}

// A client that shuts down its write side in the middle of a request head
// will never finish it: the connection closes at once (client-close), not
// after the header timeout with a 408 to a client that is gone. The client
// connects, sends and shuts down before the server accepts, so that the
// server sees the bytes and the end of input in the same wake-up.
func TestHalfCloseMidHead(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, nc)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n")
		c.nc.(interface{ CloseWrite() error }).CloseWrite()
		ts := newServerOn(t, l, e, echo, func(s *holdfast.Server) { s.Policy.HeaderTimeout = time.Minute })
		c.expectClosed() // within ioTimeout, far less than the header timeout
		st := waitStats(t, ts.Server, "client-close", closedBy(holdfast.CloseClient, 1))
		if st.Closed[holdfast.CloseHeaderTimeout] != 0 {
			t.Fatalf("closed by the header timeout: %+v", st.Closed)
		}
	})
}

func TestFlusherStreams(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("first"))
			w.(http.Flusher).Flush()
			<-release
			w.Write([]byte("second"))
		})
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
			t.Fatalf("TE %v, want chunked", resp.TransferEncoding)
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first" {
			t.Fatalf("first part %q, %v (must arrive before the handler returns)", buf, err)
		}
		close(release)
		rest, _ := io.ReadAll(resp.Body)
		if string(rest) != "second" {
			t.Fatalf("rest %q", rest)
		}
		c.expectOpen()
	})
}

func TestHijack(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n') // bytes pipelined before the hijack come first
		rw.WriteString("echo: " + line)
		rw.Flush()
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nping\n")
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("response %v, %v", resp, err)
		}
		if line, _ := c.br.ReadString('\n'); line != "echo: ping\n" {
			t.Fatalf("got %q", line)
		}
		c.expectClosed()
		waitStats(t, ts.Server, "hijacked connection gone", func(st holdfast.Stats) bool { return st.ConnectionsOpen == 0 })
	})
}

func TestHandlerPanic(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		if r.URL.Path == "/abort" {
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		resp, _ := c.get("/panic")
		if resp.StatusCode != 500 || !resp.Close {
			t.Fatalf("status %d close %v, want 500 and close", resp.StatusCode, resp.Close)
		}
		c.expectClosed()
		c = ts.dial(t)
		c.send("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Fatal("an aborted chunked body ended cleanly")
		}
		c.nc.Close()
		waitStats(t, ts.Server, "handler-panic", closedBy(holdfast.CloseHandlerPanic, 2))
		ts.dial(t).expectOpen() // the server is unharmed
	})
}

func TestChunkedRequestTrailers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s|%s|%d", b, r.Trailer.Get("X-Checksum"), r.ContentLength)
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
			"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
		if _, body := c.response("POST"); body != "hello world|abc|-1" {
			t.Fatalf("got %q", body)
		}
		c.expectOpen()
	})
}

func TestChunkedResponseTrailers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		w.Write([]byte("data"))
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		resp, body := c.get("/")
		if body != "data" || resp.Trailer.Get("X-Sum") != "42" || resp.Trailer.Get("X-Late") != "yes" {
			t.Fatalf("body %q trailer %v", body, resp.Trailer)
		}
		c.expectOpen()
	})
}

func TestHeadAndBodilessStatuses(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
			if _, err := w.Write([]byte("x")); err != holdfast.ErrBodyNotAllowed {
				t.Errorf("Write on 304: %v", err)
			}
		default:
			w.Write([]byte("twelve bytes"))
		}
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.response("HEAD")
		if resp.ContentLength != 12 || body != "" {
			t.Fatalf("HEAD: length %d body %q", resp.ContentLength, body)
		}
		for _, p := range []string{"/204", "/304"} {
			resp, body := c.get(p)
			if body != "" || resp.Header.Get("Content-Length") != "" || resp.Header.Get("Transfer-Encoding") != "" {
				t.Fatalf("%s: body %q header %v", p, body, resp.Header)
			}
		}
		c.expectOpen()
	})
}

func TestDeclaredLength(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		switch r.URL.Path {
		case "/short":
			w.Write([]byte("only5"))
		case "/long":
			if _, err := w.Write([]byte("eleven byte")); err != holdfast.ErrContentLength {
				t.Errorf("overlong write: %v", err)
			}
			w.Write([]byte("0123456789"))
		}
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		if _, body := c.get("/long"); body != "0123456789" {
			t.Fatalf("body %q", body)
		}
		c.send("GET /short HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil || resp.ContentLength != 10 {
			t.Fatalf("%v %v", resp, err)
		}
		if b, err := io.ReadAll(resp.Body); err == nil {
			t.Fatalf("short body read %q without error", b)
		}
		c.nc.Close()
		waitStats(t, ts.Server, "handler-close", closedBy(holdfast.CloseHandler, 1))
	})
}

func TestLargeBodies(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if r.Method == "POST" && (err != nil || !bytes.Equal(b, payload)) {
			t.Errorf("request body: %d bytes, %v", len(b), err)
		}
		w.Write(b)
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		for i := 0; i < 2; i++ {
			go func() {
				fmt.Fprintf(c.nc, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(payload))
				c.nc.Write(payload)
			}()
			resp, body := c.response("POST")
			if body != string(payload) || resp.Header.Get("Transfer-Encoding") != "" && resp.ContentLength >= 0 {
				t.Fatalf("echo: %d bytes", len(body))
			}
		}
		c.expectOpen()
	})
}

func TestEarlyHints(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(103)
		w.Write([]byte("ok"))
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		tp := bufio.NewReader(c.br)
		line, _ := tp.ReadString('\n')
		if line != "HTTP/1.1 103 Early Hints\r\n" {
			t.Fatalf("first line %q", line)
		}
		c.br = tp
		for l, _ := c.br.ReadString('\n'); l != "\r\n"; l, _ = c.br.ReadString('\n') {
		}
		if _, body := c.response("GET"); body != "ok" {
			t.Fatalf("body %q", body)
		}
	})
}

func TestContentTypeSniffed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>hi</body></html>")) })
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		resp, _ := ts.dial(t).get("/")
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
	})
}

// A handler cannot split the response with a CR LF in a header value.
func TestResponseHeaderInjection(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Evil", "a\r\nSet-Cookie: stolen=1")
		w.Header().Set("Bad Name", "x")
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		resp, _ := c.get("/")
		if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("X-Evil") == "" {
			t.Fatalf("header %v", resp.Header)
		}
		c.expectOpen()
	})
}

func TestRequestFields(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s|%s|%q|%s|%v", r.Host, r.URL.Path, r.URL.RawQuery, r.Proto, r.Header["X-Multi"], r.Header.Get("Sec-Ch-Ua"), r.Header.Get("Host") == "")
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.send("GET /p%20q?a=1&b=2 HTTP/1.1\r\nHost: example.org\r\nx-multi: 1\r\nX-Multi: 2\r\nsec-ch-ua: \"Chromium\"\r\n\r\n")
		want := `example.org|/p q|a=1&b=2|HTTP/1.1|["1" "2"]|"Chromium"|true`
		if _, body := c.response("GET"); body != want {
			t.Fatalf("got  %s\nwant %s", body, want)
		}
		c.send("GET http://other.example/abs HTTP/1.1\r\nHost: ignored\r\n\r\n")
		if _, body := c.response("GET"); !strings.HasPrefix(body, "other.example|/abs|") {
			t.Fatalf("absolute form: %s", body)
		}
	})
}

// A ResponseWriter kept past its handler's return is cut off: using it
// fails and touches nothing of the next response on the connection, which
// is being written with the same reused writer state at that very moment.
func TestResponseWriterAfterReturn(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		kept := make(chan http.ResponseWriter, 1)
		inNext, proceed := make(chan struct{}), make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/keep":
				kept <- w
			case "/next":
				inNext <- struct{}{}
				<-proceed
			}
			w.Header().Set("X-Path", r.URL.Path)
			io.WriteString(w, r.URL.Path)
		})
		ts := newServer(t, e, h)
		c := ts.dial(t)
		c.get("/keep")
		w := <-kept
		c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
		<-inNext
		if _, err := w.Write([]byte("late")); err == nil {
			t.Error("Write after return succeeded")
		}
		w.Header().Set("X-Late", "1")
		w.WriteHeader(http.StatusTeapot)
		if err := http.NewResponseController(w).Flush(); err == nil {
			t.Error("Flush after return succeeded")
		}
		close(proceed)
		resp, body := c.response("GET")
		if resp.StatusCode != 200 || body != "/next" || resp.Header.Get("X-Late") != "" || resp.Header.Get("X-Path") != "/next" {
			t.Fatalf("next response: %d %q %v", resp.StatusCode, body, resp.Header)
		}
	})
}

// A response far larger than the socket buffers goes out whole to a client
// that reads it: the writer waits for writability again and again (on the
// epoll engine, registered only once a write first has to wait).
func TestBackPressure(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	const chunks = 512 // 32 MiB
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(chunks*len(chunk)))
		for i := 0; i < chunks; i++ {
			if _, err := w.Write(chunk); err != nil {
				t.Errorf("write %d: %v", i, err)
				return
			}
		}
	})
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, h, func(s *holdfast.Server) { s.Policy.SendTimeout = 20 * time.Second })
		c := ts.dial(t)
		for i := 0; i < 2; i++ {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, body := c.response("GET")
			if resp.StatusCode != 200 || len(body) != chunks*len(chunk) {
				t.Fatalf("response %d: status %d, %d bytes", i, resp.StatusCode, len(body))
			}
		}
		c.expectOpen()
	})
}
