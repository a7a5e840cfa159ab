package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"holdfast"
	"holdfast/proxy"
)

// echoWebSocket accepts a WebSocket and echoes each message until the
// client closes.
var echoWebSocket = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := context.Background()
	for {
		typ, msg, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if err := ws.Write(ctx, typ, msg); err != nil {
			return
		}
	}
})

// A WebSocket handshake through the proxy opens a tunnel to the upstream;
// messages go both ways until the client closes, on either engine of the
// front and to either kind of Go upstream.
func TestWebSocketEcho(t *testing.T) {
	run(t, func(t *testing.T, e holdfast.Engine) {
		hfURL, _ := holdfastUpstream(t, echoWebSocket)
		nhURL, _ := netHTTPUpstream(t, echoWebSocket)
		for name, url := range map[string]string{"holdfast": hfURL, "nethttp": nhURL} {
			t.Run(name, func(t *testing.T) {
				f := startProxy(t, e, proxy.Config{Upstreams: []string{url}})
				ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
				defer cancel()
				ws, resp, err := websocket.Dial(ctx, "ws://"+f.addr+"/echo", nil)
				if err != nil {
					t.Fatalf("dial through the proxy: %v", err)
				}
				if via := resp.Header.Get("Via"); via != "1.1 holdfast" {
					t.Errorf("handshake answer Via %q", via)
				}
				for i := 0; i < 20; i++ {
					want := fmt.Sprintf("message %d %s", i, string(make([]byte, i*1000)))
					if err := ws.Write(ctx, websocket.MessageText, []byte(want)); err != nil {
						t.Fatal(err)
					}
					_, got, err := ws.Read(ctx)
					if err != nil || string(got) != want {
						t.Fatalf("echo %d: %d bytes, %v", i, len(got), err)
					}
				}
				if st := f.Upstreams()[0]; st.Tunnels != 1 || st.TunnelsOpened != 1 {
					t.Errorf("tunnels open %d, opened %d; want 1, 1", st.Tunnels, st.TunnelsOpened)
				}
				if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
					t.Fatalf("close: %v", err)
				}
				waitFor(t, "the tunnel to close", func() bool { return f.Upstreams()[0].Tunnels == 0 })
			})
		}
	})
}
