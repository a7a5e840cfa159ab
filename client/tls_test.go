package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast/internal/selfsigned"
	"holdfast/internal/testrig"
)

// testCert is a certificate for localhost and 127.0.0.1, made once.
var testCert = sync.OnceValue(func() *selfsigned.Cert {
	c, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		panic(err)
	}
	return c
})

// newTLSServer is a net/http HTTPS server with cert; h2 offers HTTP/2
// too.
func newTLSServer(t testing.TB, h http.HandlerFunc, cert *selfsigned.Cert, h2 bool) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// tlsTransport trusts testCert.
func tlsTransport() *Transport {
	return &Transport{TLSClientConfig: &tls.Config{RootCAs: testCert().Pool}}
}

// getTLS is get, returning the response's TLS state too.
func getTLS(t *testing.T, rt http.RoundTripper, url string) (string, *tls.ConnectionState) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Proto + " " + string(b), resp.TLS
}

func TestTransportHTTPSReuseAndResumption(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }, testCert(), true)
	tr := tlsTransport()
	defer tr.CloseIdleConnections()
	for i := range 3 {
		got, cs := getTLS(t, tr, srv.URL+"/")
		// The server offers HTTP/2; the Transport asks for HTTP/1.1 only
		// (a server offering only h2 agrees to no protocol: "").
		if got != "HTTP/1.1 HTTP/1.1" || cs == nil || cs.NegotiatedProtocol == "h2" || cs.Version != tls.VersionTLS13 {
			t.Fatalf("request %d: %q, TLS %+v", i, got, cs)
		}
	}
	if st := tr.Stats(); st.Dials != 1 || st.Reuses != 2 {
		t.Fatalf("dials %d reuses %d, want 1 and 2", st.Dials, st.Reuses)
	}
	tr.CloseIdleConnections()
	if _, cs := getTLS(t, tr, srv.URL+"/"); !cs.DidResume {
		t.Error("the second connection did not resume the session")
	}
	if _, ok := tr.Stats().Hosts["https://"+strings.TrimPrefix(srv.URL, "https://")]; !ok {
		t.Errorf("pools: %v", tr.Stats().Hosts)
	}
}

func TestTransportHTTPSVerification(t *testing.T) {
	testrig.CheckLeaks(t)
	past := time.Now().Add(-72 * time.Hour)
	expired, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, past, past.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cert *selfsigned.Cert
		cfg  *tls.Config
		want string
	}{
		{"expired", expired, &tls.Config{RootCAs: expired.Pool}, "expired"},
		{"unknown-authority", testCert(), nil, "unknown authority"},
		{"wrong-name", testCert(), &tls.Config{RootCAs: testCert().Pool, ServerName: "other.example"}, "other.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) {}, tc.cert, false)
			tr := &Transport{TLSClientConfig: tc.cfg}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			_, err := tr.RoundTrip(req)
			var verr *tls.CertificateVerificationError
			if err == nil || !errors.As(err, &verr) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "TLS handshake with 127.0.0.1:") {
				t.Fatalf("err = %v; want a certificate error naming the server and saying %q", err, tc.want)
			}
			var x509err x509.UnknownAuthorityError
			_ = errors.As(err, &x509err)
			if st := tr.Stats(); st.DialErrors != 1 || st.ConnectionsOpen != 0 {
				t.Fatalf("dial errors %d, open %d", st.DialErrors, st.ConnectionsOpen)
			}
		})
	}
}

// TestTransportHTTPSStaleCloseNotify: a server that closes an idle TLS
// connection sends close_notify before its FIN. The look before reuse must
// see it (the bytes are a TLS record, read through TLS) and dial anew, for
// a request that could not have been retried.
func TestTransportHTTPSStaleCloseNotify(t *testing.T) {
	testrig.CheckLeaks(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{testCert().TLS}}
	srv.Config.IdleTimeout = 100 * time.Millisecond
	srv.StartTLS()
	defer srv.Close()
	tr := tlsTransport()
	defer tr.CloseIdleConnections()
	post := func() {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("not idempotent"))
		req.GetBody = nil
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	post()
	time.Sleep(400 * time.Millisecond) // the server's idle timeout passes
	post()
	if st := tr.Stats(); st.Closed[CloseStale] != 1 || st.ReuseFailures != 0 || st.Dials != 2 {
		t.Fatalf("stale %d, reuse failures %d, dials %d; want 1, 0, 2", st.Closed[CloseStale], st.ReuseFailures, st.Dials)
	}
}
