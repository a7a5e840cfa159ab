package holdfast

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// memWire is a wire that writes nowhere: it measures the request cycle
// without system calls.
type memWire struct{ n int }

func (m *memWire) readBody([]byte) (int, error) { return 0, net.ErrClosed }
func (m *memWire) write(p []byte) (int, error)  { m.n += len(p); return len(p), nil }
func (m *memWire) writev(a, b []byte) (int64, error) {
	m.n += len(a) + len(b)
	return int64(len(a) + len(b)), nil
}
func (m *memWire) watch(*reqContext)         {}
func (m *memWire) unwatch()                  {}
func (m *memWire) hijack() (net.Conn, error) { return nil, net.ErrClosed }
func (m *memWire) localAddr() net.Addr       { return nil }
func (m *memWire) wake()                     {}
func (m *memWire) abort()                    {}
func (m *memWire) clock() (time.Time, int64) { return now() }

// BenchmarkRequestCycle is the user-space cost of one request, from a
// parsed head to the response bytes in the output buffer: what both engines
// share, without system calls.
func BenchmarkRequestCycle(b *testing.B) {
	for _, tc := range []struct{ name, head string }{
		{"wrk", "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"},
		{"curl", "GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"},
		{"chrome", chromeHead},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body := []byte("Hello, World!")
			s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write(body)
			}), Policy: Policy{MaxRequests: -1}}
			s.init()
			c := &conn{}
			c.init(s, "127.0.0.1:5555")
			c.attachExchange(&memWire{})
			raw := []byte(tc.head)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ex := c.ex
				ex.parser.Reset()
				ex.head.Reset()
				if n, err := ex.parser.ParseRequest(raw, &ex.head); n != len(raw) || err != nil {
					b.Fatal(n, err)
				}
				if !c.serveRequest(raw) {
					b.Fatal("connection closed")
				}
				c.flush()
			}
		})
	}
}

var chromeHead = "GET /static/app.js?v=3 HTTP/1.1\r\nHost: www.example.com\r\nConnection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\"\r\nsec-ch-ua-mobile: ?0\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\nAccept: */*\r\nSec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Dest: script\r\nReferer: https://www.example.com/\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\nCookie: session=abc123; theme=dark\r\n\r\n"
