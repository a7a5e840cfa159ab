package proxy_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"holdfast"
	"holdfast/proxy"
)

// bigBody is the size of the bodies that must stream: larger than every
// buffer on the way (sockets included) put together, so that a proxy that
// held a body whole would be seen to.
const bigBody = 64 << 20

// pattern fills p with the bytes of a body at offset off.
func pattern(p []byte, off int64) {
	for i := range p {
		p[i] = byte((off + int64(i)) * 7 >> 3)
	}
}

// patternReader reads n bytes of the pattern, counting them.
type patternReader struct {
	off, n int64
	read   *atomic.Int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	pattern(p, r.off)
	r.off += int64(len(p))
	r.read.Add(int64(len(p)))
	return len(p), nil
}

func patternSum(n int64) string {
	h := sha256.New()
	io.Copy(h, &patternReader{n: n, read: new(atomic.Int64)})
	return hex.EncodeToString(h.Sum(nil))
}

// stalls waits until progress stops moving, and returns where it stopped.
func stalls(t *testing.T, progress *atomic.Int64) int64 {
	t.Helper()
	last := progress.Load()
	for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		now := progress.Load()
		if now == last {
			return now
		}
		last = now
	}
	t.Fatalf("progress never stopped (at %d bytes)", last)
	return 0
}

// Bodies stream both ways at the pace of the slower side: while the
// upstream does not read an upload, the client cannot send it all; while
// the client does not read a download, the upstream cannot write it all.
// Then everything arrives intact.
func TestLargeBodiesStreamWithBackPressure(t *testing.T) {
	want := patternSum(bigBody)
	run(t, func(t *testing.T, e holdfast.Engine) {
		paused, resume := make(chan struct{}), make(chan struct{})
		var written atomic.Int64
		mux := http.NewServeMux()
		mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
			h := sha256.New()
			n, _ := io.CopyN(h, r.Body, 1<<20)
			paused <- struct{}{}
			<-resume
			m, err := io.Copy(h, r.Body)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, "%d %s", n+m, hex.EncodeToString(h.Sum(nil)))
		})
		mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(bigBody))
			io.Copy(w, &patternReader{n: bigBody, read: &written})
		})
		url, _ := holdfastUpstream(t, mux)
		f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})

		t.Run("upload", func(t *testing.T) {
			c := dialRaw(t, f.addr)
			c.send("PUT /upload HTTP/1.1\r\nHost: front\r\nContent-Length: " + strconv.Itoa(bigBody) + "\r\n\r\n")
			var sent atomic.Int64
			done := make(chan error, 1)
			go func() {
				c.nc.SetWriteDeadline(time.Now().Add(time.Minute))
				_, err := io.Copy(c.nc, &patternReader{n: bigBody, read: &sent})
				done <- err
			}()
			<-paused
			at := stalls(t, &sent)
			t.Logf("upload: the client could send %d of %d bytes while the upstream read 1 MiB", at, bigBody)
			if at > bigBody*3/4 {
				t.Errorf("the client sent %d of %d bytes while the upstream read none: the body was held, not streamed", at, bigBody)
			}
			close(resume)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			resp, body := c.response("PUT")
			if resp.StatusCode != 200 || body != fmt.Sprintf("%d %s", bigBody, want) {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
		})

		t.Run("download", func(t *testing.T) {
			c := dialRaw(t, f.addr)
			c.send("GET /download HTTP/1.1\r\nHost: front\r\n\r\n")
			c.nc.SetReadDeadline(time.Now().Add(time.Minute))
			resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
			if err != nil || resp.StatusCode != 200 || resp.ContentLength != bigBody {
				t.Fatalf("%v %v", resp, err)
			}
			h := sha256.New()
			io.CopyN(h, resp.Body, 1<<20)
			at := stalls(t, &written)
			t.Logf("download: the upstream could write %d of %d bytes while the client read 1 MiB", at, bigBody)
			if at > bigBody*3/4 {
				t.Errorf("the upstream wrote %d of %d bytes while the client read 1 MiB: the body was held, not streamed", at, bigBody)
			}
			if _, err := io.Copy(h, bufio.NewReader(resp.Body)); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != want {
				t.Fatalf("download arrived altered")
			}
		})
	})
}
