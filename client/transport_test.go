package client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/internal/testrig"
)

// echo is a net/http handler that echoes the method, the body and a few
// request fields, for the tests that go through a real net/http server.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Content-Length", fmt.Sprint(r.ContentLength))
	w.Header().Set("X-Transfer-Encoding", strings.Join(r.TransferEncoding, ","))
	w.Header().Set("X-Host", r.Host)
	w.Header().Set("X-Trailer", r.Trailer.Get("X-Sum"))
	w.Header().Add("X-Multi", "a")
	w.Header().Add("X-Multi", "b")
	w.Write(body)
}

func newNetHTTPServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestTransportZeroValueClient(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		resp, err := client.Get(srv.URL + "/path?q=1")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Proto != "HTTP/1.1" || resp.Status != "200 OK" {
			t.Fatalf("got %q %q", resp.Proto, resp.Status)
		}
		if got := resp.Header.Values("X-Multi"); len(got) != 2 || got[1] != "b" {
			t.Errorf("X-Multi = %q", got)
		}
		if got := resp.Header.Get("X-Host"); got != srv.Listener.Addr().String() {
			t.Errorf("Host = %q", got)
		}
	}
	st := tr.Stats()
	if st.Dials != 1 || st.Reuses != 2 || st.Requests != 3 {
		t.Errorf("stats: %+v", st)
	}
	if h := st.Hosts[srv.Listener.Addr().String()]; h.Idle != 1 || h.Active != 0 {
		t.Errorf("host stats: %+v", h)
	}
}

func TestTransportUnsupportedSchemes(t *testing.T) {
	testrig.CheckLeaks(t)
	tr := &Transport{}
	req, _ := http.NewRequest("GET", "ftp://example.invalid/", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("ftp: %v", err)
	}
}

func TestTransportRequestBodies(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	cases := []struct {
		name, method string
		body         func() io.Reader
		wantLen      string
		wantTE       string
		want         string
	}{
		{"small", "POST", func() io.Reader { return strings.NewReader("hello") }, "5", "", "hello"},
		{"large", "PUT", func() io.Reader { return strings.NewReader(big) }, fmt.Sprint(len(big)), "", big},
		{"unknown-length", "POST", func() io.Reader { return io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")) }, "-1", "chunked", "abcd"},
		{"unknown-large", "POST", func() io.Reader { return io.MultiReader(strings.NewReader(big)) }, "-1", "chunked", big},
		{"empty-post", "POST", func() io.Reader { return nil }, "0", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL, tc.body())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tc.want {
				t.Errorf("body: got %d bytes, want %d", len(got), len(tc.want))
			}
			if h := resp.Header.Get("X-Content-Length"); h != tc.wantLen {
				t.Errorf("server saw Content-Length %s, want %s", h, tc.wantLen)
			}
			if h := resp.Header.Get("X-Transfer-Encoding"); h != tc.wantTE {
				t.Errorf("server saw Transfer-Encoding %q, want %q", h, tc.wantTE)
			}
		})
	}
	if st := tr.Stats(); st.Dials != 1 {
		t.Errorf("every request should have reused the connection: %+v", st)
	}
}

func TestTransportRequestTrailers(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", srv.URL, io.MultiReader(strings.NewReader("data")))
	req.Trailer = http.Header{"X-Sum": {"42"}}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Trailer"); got != "42" {
		t.Errorf("server saw trailer %q", got)
	}
}

func TestTransportChunkedResponseAndTrailers(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		for i := 0; i < 5; i++ {
			fmt.Fprintf(w, "part%d,", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Checksum", "abc")
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 {
			t.Errorf("ContentLength %d, TransferEncoding %q", resp.ContentLength, resp.TransferEncoding)
		}
		if _, ok := resp.Trailer["X-Checksum"]; !ok {
			t.Errorf("declared trailer missing before the body: %v", resp.Trailer)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != "part0,part1,part2,part3,part4," {
			t.Fatalf("body %q, %v", b, err)
		}
		if got := resp.Trailer.Get("X-Checksum"); got != "abc" {
			t.Errorf("trailer %q", got)
		}
		resp.Body.Close()
	}
	if st := tr.Stats(); st.Dials != 1 {
		t.Errorf("chunked bodies read to the end should keep the connection: %+v", st)
	}
}

func TestTransportResponsesWithoutBody(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		default:
			w.Header().Set("Content-Length", "11")
			w.Write([]byte("hello world"))
		}
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	for _, tc := range []struct {
		method, path string
		wantLen      int64
	}{{"HEAD", "/", 11}, {"GET", "/204", 0}, {"GET", "/304", 0}, {"GET", "/", 11}} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != tc.wantLen {
			t.Errorf("%s %s: ContentLength %d, want %d", tc.method, tc.path, resp.ContentLength, tc.wantLen)
		}
		if tc.method == "HEAD" || tc.path != "/" {
			if resp.Body != http.NoBody {
				t.Errorf("%s %s: body is not NoBody", tc.method, tc.path)
			}
			// The connection is back in the pool before Body.Close.
			if h := tr.Stats().Hosts[srv.Listener.Addr().String()]; h.Idle != 1 {
				t.Errorf("%s %s: not pooled: %+v", tc.method, tc.path, h)
			}
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if st := tr.Stats(); st.Dials != 1 {
		t.Errorf("dials %d, want 1", st.Dials)
	}
}

func TestTransportBodyEOFReturnsConnection(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 100<<10))
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	key := srv.Listener.Addr().String()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if h := tr.Stats().Hosts[key]; h.Active != 1 {
		t.Errorf("while the body streams the connection is active: %+v", h)
	}
	if n, err := io.Copy(io.Discard, resp.Body); n != 100<<10 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	if h := tr.Stats().Hosts[key]; h.Idle != 1 || h.Active != 0 {
		t.Errorf("after EOF, before Close, the connection is idle: %+v", h)
	}
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, ErrBodyReadAfterClose) {
		t.Errorf("read after close: %v", err)
	}
}

func TestTransportBodyCloseEarly(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := 10 << 10
		if r.URL.Path == "/big" {
			n = 1 << 20
		}
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.Write(bytes.Repeat([]byte("x"), n))
	})
	tr := &Transport{DrainLimit: 64 << 10}
	defer tr.CloseIdleConnections()
	get := func(path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Read(make([]byte, 100))
		resp.Body.Close()
	}
	get("/small") // 10 KiB: drained, kept
	get("/small")
	if st := tr.Stats(); st.Dials != 1 || st.Closed[CloseUnreadBody] != 0 {
		t.Errorf("small body closed early should be drained: %+v", st)
	}
	get("/big") // 1 MiB: beyond the drain limit, closed
	if st := tr.Stats(); st.Closed[CloseUnreadBody] != 1 {
		t.Errorf("big body closed early should close the connection: %+v", st.Closed)
	}
}

func TestTransportInvalidRequests(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL)
	for _, h := range []http.Header{
		{"X-Bad": {"a\r\nInjected: yes"}},
		{"Bad Name": {"v"}},
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header = h
		if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "invalid request") {
			t.Errorf("%v: %v", h, err)
		}
	}
	get(t, tr, srv.URL)
	if st := tr.Stats(); st.Dials != 1 {
		t.Errorf("an invalid request must not cost the connection: dials %d", st.Dials)
	}
}

func TestTransportTraceHooks(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var events []string
	var infos []httptrace.GotConnInfo
	add := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	trace := &httptrace.ClientTrace{
		GetConn:              func(string) { add("GetConn") },
		ConnectStart:         func(string, string) { add("ConnectStart") },
		ConnectDone:          func(_, _ string, err error) { add("ConnectDone") },
		GotConn:              func(i httptrace.GotConnInfo) { add("GotConn"); infos = append(infos, i) },
		WroteHeaders:         func() { add("WroteHeaders") },
		Wait100Continue:      func() { add("Wait100Continue") },
		Got100Continue:       func() { add("Got100Continue") },
		WroteRequest:         func(i httptrace.WroteRequestInfo) { add("WroteRequest") },
		GotFirstResponseByte: func() { add("GotFirstResponseByte") },
		PutIdleConn:          func(err error) { add("PutIdleConn") },
	}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	do := func(req *http.Request) {
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	do(req)
	want := "GetConn ConnectStart ConnectDone GotConn WroteHeaders WroteRequest GotFirstResponseByte PutIdleConn"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("first request:\n got %s\nwant %s", got, want)
	}
	time.Sleep(20 * time.Millisecond)
	events = nil
	req, _ = http.NewRequestWithContext(ctx, "PUT", srv.URL, strings.NewReader("body"))
	req.Header.Set("Expect", "100-continue")
	do(req)
	// As with net/http, the first response byte is the 100's.
	want = "GetConn GotConn WroteHeaders Wait100Continue GotFirstResponseByte Got100Continue WroteRequest PutIdleConn"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("second request:\n got %s\nwant %s", got, want)
	}
	if len(infos) != 2 || infos[0].Reused || !infos[1].Reused || !infos[1].WasIdle || infos[1].IdleTime < 10*time.Millisecond {
		t.Errorf("GotConnInfo: %+v", infos)
	}
}

func TestTransportExpectContinue(t *testing.T) {
	testrig.CheckLeaks(t)
	// A server that never answers 100: the body goes after the timeout.
	srv := newRawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path == "/reject" {
				c.Write(rawResponse(417, "no", "Connection: close"))
				return
			}
			body, _ := io.ReadAll(req.Body) // net/http's reader sends no 100 here
			c.Write(rawResponse(200, string(body)))
		}
	})
	tr := &Transport{ExpectContinueTimeout: 100 * time.Millisecond}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("PUT", srv.URL(), strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "payload" || time.Since(start) < 100*time.Millisecond {
		t.Errorf("body %q after %v", b, time.Since(start))
	}

	// A final status instead of 100: the body is not sent and the
	// connection is not reused.
	body := &closeCounter{Reader: strings.NewReader("never sent")}
	req, _ = http.NewRequest("PUT", srv.URL()+"/reject", body)
	req.ContentLength = 10
	req.Header.Set("Expect", "100-continue")
	resp, err = tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 417 || body.read || body.closed != 1 {
		t.Errorf("status %d, body read %v closed %d", resp.StatusCode, body.read, body.closed)
	}
}

// closeCounter is a request body that records its reads and closes.
type closeCounter struct {
	io.Reader
	read   bool
	closed int
}

func (b *closeCounter) Read(p []byte) (int, error) { b.read = true; return b.Reader.Read(p) }
func (b *closeCounter) Close() error               { b.closed++; return nil }

// A server that refuses an upload answers before reading it and closes:
// the response is returned, not the write error.
func TestTransportEarlyResponseToUpload(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		c.Write(rawResponse(413, "too large", "Connection: close"))
		if req.URL.Path == "/reset" {
			c.(*net.TCPConn).SetLinger(0)
		} else {
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, io.LimitReader(br, 1<<20))
		}
	})
	for _, path := range []string{"/", "/reset"} {
		tr := &Transport{}
		req, _ := http.NewRequest("PUT", srv.URL()+path, io.LimitReader(zeros{}, 64<<20))
		req.ContentLength = 64 << 20
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || string(b) != "too large" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, b)
		}
		if st := tr.Stats(); st.ConnectionsOpen != 0 {
			t.Errorf("%s: %d connections open", path, st.ConnectionsOpen)
		}
	}
}

func TestTransportMalformedAndSpecialResponses(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		serveLoop(c, 0, nil, func(_ int, req *http.Request, _ []byte) []byte {
			switch req.URL.Path {
			case "/bad-status":
				return []byte("HTTP/1.1 2000 OK\r\n\r\n")
			case "/smuggle":
				return []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
			case "/huge-head":
				return []byte("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\nContent-Length: 0\r\n\r\n")
			case "/101":
				return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")
			case "/103":
				return []byte("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + string(rawResponse(200, "final")))
			case "/auth":
				return rawResponse(200, req.Header.Get("Authorization"))
			}
			return rawResponse(200, "ok")
		})
	})
	tr := &Transport{MaxResponseHeaderBytes: 4 << 10}
	defer tr.CloseIdleConnections()
	for _, path := range []string{"/bad-status", "/smuggle", "/huge-head"} {
		req, _ := http.NewRequest("GET", srv.URL()+path, nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s: no error", path)
		}
	}
	if n := tr.Stats().Closed[CloseProtocolError]; n != 3 {
		t.Errorf("protocol-error closes %d, want 3", n)
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/101", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, ErrUpgradeUnsupported) {
		t.Errorf("101: %v", err)
	}

	var hints []string
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			hints = append(hints, fmt.Sprint(code, " ", h.Get("Link")))
			return nil
		},
	})
	req, _ = http.NewRequestWithContext(ctx, "GET", srv.URL()+"/103", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "final" || len(hints) != 1 || hints[0] != "103 </style.css>; rel=preload" {
		t.Errorf("103: body %q, hints %q", b, hints)
	}

	u := strings.Replace(srv.URL(), "http://", "http://user:secret@", 1)
	if _, got := get(t, tr, u+"/auth"); got != "Basic dXNlcjpzZWNyZXQ=" {
		t.Errorf("Authorization from the URL: %q", got)
	}
}

// countingConn is what a custom DialContext may return: a TCP
// connection under a wrapper that sees every byte.
type countingConn struct {
	*net.TCPConn
	read, written *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.TCPConn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// A wrapper's Read and Write carry the exchange: the Transport's direct
// system calls are for plain TCP connections only.
func TestTransportWrappedConnSeesIO(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newNetHTTPServer(t, echo)
	var read, written atomic.Int64
	tr := &Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c.(*net.TCPConn), &read, &written}, nil
	}}
	defer tr.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		if code, _ := get(t, tr, srv.URL); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	if read.Load() < int64(3*len("HTTP/1.1 200 OK\r\n")) || written.Load() < int64(3*len("GET / HTTP/1.1\r\n")) {
		t.Errorf("the wrapper saw %d bytes read, %d written", read.Load(), written.Load())
	}
}
