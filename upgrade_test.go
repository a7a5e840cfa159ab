package holdfast_test

import (
	"io"
	"net/http"
	"testing"

	"holdfast"
)

// A handler that writes 101 and then hijacks the connection (as WebSocket
// libraries do) has its status line and fields sent before the connection
// is handed over, as with net/http.
func TestHijackAfterSwitchingProtocols(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "echo")
			w.WriteHeader(http.StatusSwitchingProtocols)
			nc, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			defer nc.Close()
			line, _ := rw.ReadString('\n')
			rw.WriteString("echo: " + line)
			rw.Flush()
		}))
		c := ts.dial(t)
		c.send("GET /up HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		if err != nil || resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "echo" {
			t.Fatalf("%v %v", resp, err)
		}
		c.send("hello\n")
		got, err := io.ReadAll(c.br)
		if err != nil || string(got) != "echo: hello\n" {
			t.Fatalf("after the switch: %q %v", got, err)
		}
	})
}
