package main

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"holdfast/internal/selfsigned"
)

// TestServeSelfSigned: --tls-self-signed serves HTTPS with a certificate
// whose fingerprint it prints; a client that checks the fingerprint gets
// HTTP/2, or HTTP/1.1 with --no-h2.
func TestServeSelfSigned(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		proto string
	}{{nil, "HTTP/2.0"}, {[]string{"--no-h2"}, "HTTP/1.1"}} {
		t.Run(tc.proto, func(t *testing.T) {
			c := startCommand(t, append([]string{"serve", "--tls-self-signed", "--listen", "127.0.0.1:0"}, tc.args...)...)
			if !strings.HasPrefix(c.url, "https://") {
				t.Fatalf("serving on %s", c.url)
			}
			m := regexp.MustCompile(`fingerprint is ([0-9A-F:]{95})`).FindStringSubmatch(c.log())
			if m == nil {
				t.Fatalf("no fingerprint printed:\n%s", c.log())
			}
			tr := &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{
				InsecureSkipVerify: true, // checked against the printed fingerprint instead
				VerifyConnection: func(cs tls.ConnectionState) error {
					if got := fingerprint(cs.PeerCertificates[0].Raw); got != m[1] {
						return fmt.Errorf("certificate %s, printed %s", got, m[1])
					}
					return nil
				},
			}}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get(c.url + "/")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Proto != tc.proto || !strings.Contains(string(page), `data-mode="https-`) {
				t.Fatalf("%s, page %.80q", resp.Proto, page)
			}
		})
	}
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// TestServeCertificateFiles: --tls-cert and --tls-key serve the files'
// certificate; curl trusting it reuses the connection.
func TestServeCertificateFiles(t *testing.T) {
	cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, cert.CertPEM, 0o644)
	os.WriteFile(keyFile, cert.KeyPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	c := startCommand(t, "serve", "--tls-cert", certFile, "--tls-key", keyFile, "--listen", "127.0.0.1:0", dir)
	out := curl(t, "--cacert", certFile, c.url+"/a.txt", c.url+"/a.txt")
	if !strings.Contains(out, "Re-using existing connection") || !strings.Contains(out, "SSL connection using TLSv1.3") {
		t.Fatalf("curl over TLS did not re-use the connection:\n%s", out)
	}
}
