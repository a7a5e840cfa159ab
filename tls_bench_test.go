package holdfast_test

import (
	"crypto/tls"
	"net/http"
	"testing"

	"holdfast"
)

// BenchmarkServerGETTLS is BenchmarkServerGET over TLS 1.3 (AES-128-GCM),
// one kept connection: the epoll engine's record layer, the goroutine
// engine's crypto/tls.Conn, and net/http. The client's TLS work is in the
// figures too, the same for every server.
func BenchmarkServerGETTLS(b *testing.B) {
	for _, e := range holdfast.Engines() {
		b.Run("holdfast-"+e.String(), func(b *testing.B) {
			l := listen(b)
			s := &holdfast.Server{Handler: hello, Engine: e, Policy: holdfast.Policy{MaxRequests: -1},
				TLSConfig: &tls.Config{Certificates: []tls.Certificate{testCert().TLS}}}
			go s.ServeTLS(l, "", "")
			defer s.Close()
			benchGETTLS(b, l.Addr().String())
		})
	}
	b.Run("nethttp", func(b *testing.B) {
		l := listen(b)
		s := &http.Server{Handler: hello, TLSConfig: &tls.Config{Certificates: []tls.Certificate{testCert().TLS}}}
		go s.ServeTLS(l, "", "")
		defer s.Close()
		benchGETTLS(b, l.Addr().String())
	})
}

func benchGETTLS(b *testing.B, addr string) {
	c, err := tls.Dial("tcp", addr, clientTLS("http/1.1"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchExchanges(b, c, 1)
}
