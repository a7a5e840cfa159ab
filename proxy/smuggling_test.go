package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// smugglingShapes are requests that two parsers could read differently;
// each hides a second request, GET /smuggled, that a proxy passing the
// bytes on would make the upstream serve.
var smugglingShapes = []string{
	// Content-Length and Transfer-Encoding together, in either order.
	"POST /shape HTTP/1.1\r\nHost: f\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// Two Content-Lengths that disagree, in one field and in two.
	"POST /shape HTTP/1.1\r\nHost: f\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nContent-Length: 0, 37\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// Transfer-Encodings a lenient parser reads as chunked and a strict one
	// does not.
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding:\tchunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// obs-fold, which hides a field inside another.
	"POST /shape HTTP/1.1\r\nHost: f\r\nX-Pad: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// Chunk sizes read differently: overflow, a prefix, a bare LF.
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000005\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// A chunked body on HTTP/1.0, which has no chunked coding.
	"POST /shape HTTP/1.0\r\nHost: f\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// A field name with a space, a NUL, a CR alone in a value.
	"GET /shape HTTP/1.1\r\nHost: f\r\nContent Length: 37\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"GET /shape HTTP/1.1\r\nHost: f\r\nX-A: a\x00b\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"GET /shape HTTP/1.1\r\nHost: f\r\nX-A: a\rContent-Length: 37\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	// A body that looks like a request is a body: it goes upstream framed
	// as one.
	"POST /shape HTTP/1.1\r\nHost: f\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n",
	"POST /shape HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n\r\n0\r\n\r\n",
}

// Whatever the front refuses never reaches the upstream, and what it
// accepts reaches it as one request: no shape makes the upstream serve a
// second one.
func TestSmugglingShapesNeverMakeASecondUpstreamRequest(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		up := startRawUpstream(t, func(*seenRequest) string { return okAnswer })
		f := startProxy(t, e, proxy.Config{Upstreams: []string{up.url}})
		for i, shape := range smugglingShapes {
			shape = strings.Replace(shape, "/shape", fmt.Sprintf("/shape-%d", i), 1)
			c := dialRaw(t, f.addr)
			c.send(shape)
			c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
			answer := "no answer"
			if resp, err := http.ReadResponse(c.br, nil); err == nil {
				answer = resp.Status
				io.Copy(io.Discard, resp.Body)
			}
			c.nc.Close()
			marker := fmt.Sprintf("/marker-%d", i)
			m := dialRaw(t, f.addr)
			m.send("GET " + marker + " HTTP/1.1\r\nHost: f\r\n\r\n")
			if resp, _ := m.response("GET"); resp.StatusCode != 200 {
				t.Fatalf("marker after shape %d: %d", i, resp.StatusCode)
			}
			m.nc.Close()
			t.Logf("shape %d: answered %s", i, answer)
		}
		counts := map[string]int{}
		for _, r := range up.requests() {
			counts[r.URL.Path]++
			switch {
			case r.URL.Path == "/smuggled":
				t.Errorf("the upstream served a smuggled request (%s)", r.URL)
			case strings.HasPrefix(r.URL.Path, "/shape") && r.Body != "GET /smuggled HTTP/1.1\r\nHost: f\r\n\r\n":
				t.Errorf("%s reached the upstream with body %q", r.URL.Path, r.Body)
			}
		}
		for i := range smugglingShapes {
			if n := counts[fmt.Sprintf("/shape-%d", i)]; n > 1 {
				t.Errorf("shape %d reached the upstream %d times", i, n)
			}
		}
		t.Logf("upstream saw: %v", counts)
	})
}
