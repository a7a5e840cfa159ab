package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// chromeRequest is what a desktop Chrome sends for a page navigation.
const chromeRequest = "GET /articles/keep-alive?utm_source=news&page=2 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Sec-Fetch-User: ?1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Referer: https://www.example.com/articles/\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-GB,en-US;q=0.9,en;q=0.8\r\n" +
	"Cookie: _ga=GA1.2.1234567890.1712345678; _gid=GA1.2.987654321.1712345678; session=3f2a9c1e7b4d8e6f0a1b2c3d4e5f6a7b; prefs=theme%3Ddark%26lang%3Den\r\n" +
	"\r\n"

const curlRequest = "GET /healthz HTTP/1.1\r\n" +
	"Host: localhost:8080\r\n" +
	"User-Agent: curl/8.5.0\r\n" +
	"Accept: */*\r\n" +
	"\r\n"

const nginxResponse = "HTTP/1.1 200 OK\r\n" +
	"Server: nginx/1.24.0\r\n" +
	"Date: Tue, 07 May 2024 10:00:00 GMT\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 4821\r\n" +
	"Last-Modified: Mon, 06 May 2024 09:00:00 GMT\r\n" +
	"Connection: keep-alive\r\n" +
	"Keep-Alive: timeout=5, max=100\r\n" +
	"ETag: \"6638a1b0-12d5\"\r\n" +
	"Cache-Control: max-age=300\r\n" +
	"Accept-Ranges: bytes\r\n" +
	"\r\n"

var benchRequests = []struct{ name, head string }{
	{"chrome", chromeRequest},
	{"curl", curlRequest},
}

func BenchmarkParseRequest(b *testing.B) {
	for _, c := range benchRequests {
		b.Run(c.name, func(b *testing.B) {
			buf := []byte(c.head)
			var p Parser
			var req Request
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				p.Reset()
				if _, err := p.ParseRequest(buf, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNetHTTPReadRequest is the baseline: net/http parsing the same
// heads from a reused bufio.Reader.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	for _, c := range benchRequests {
		b.Run(c.name, func(b *testing.B) {
			src := strings.NewReader(c.head)
			br := bufio.NewReader(src)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.head)))
			for b.Loop() {
				src.Reset(c.head)
				br.Reset(src)
				if _, err := http.ReadRequest(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseResponse(b *testing.B) {
	buf := []byte(nginxResponse)
	var p Parser
	var resp Response
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		p.Reset()
		if _, err := p.ParseResponse(buf, &resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNetHTTPReadResponse(b *testing.B) {
	src := strings.NewReader(nginxResponse)
	br := bufio.NewReader(src)
	b.ReportAllocs()
	b.SetBytes(int64(len(nginxResponse)))
	for b.Loop() {
		src.Reset(nginxResponse)
		br.Reset(src)
		if _, err := http.ReadResponse(br, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode decodes a 64 KiB body sent as chunks of a given
// size, handed over in one buffer.
func BenchmarkChunkedDecode(b *testing.B) {
	for _, size := range []struct {
		name  string
		chunk int
	}{{"16B", 16}, {"1KiB", 1 << 10}, {"16KiB", 16 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			payload := bytes.Repeat([]byte("x"), 64<<10)
			var body []byte
			for p := payload; len(p) > 0; p = p[size.chunk:] {
				body = AppendChunk(body, p[:size.chunk])
			}
			body = AppendLastChunk(body)
			var d ChunkedDecoder
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				d.Reset()
				total := 0
				for src := body; !d.Done(); {
					p, n, err := d.Decode(src)
					if err != nil {
						b.Fatal(err)
					}
					total += len(p)
					src = src[n:]
				}
				if total != len(payload) {
					b.Fatalf("decoded %d bytes", total)
				}
			}
		})
	}
}

func BenchmarkAppendDate(b *testing.B) {
	now := bytesTime
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendDate(dst[:0], now)
	}
}

func BenchmarkAppendStatusLine(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendStatusLine(dst[:0], 200)
	}
}
