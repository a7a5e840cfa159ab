package selfsigned

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewVerifiesForItsHosts(t *testing.T) {
	c, err := New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: c.Pool}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: c.Pool}); err == nil {
		t.Error("verifies for example.com too")
	}
	if _, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		t.Errorf("PEM pair does not load: %v", err)
	}
	if fp := c.Fingerprint(); len(fp) != 32*3-1 || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint %q", fp)
	}
}

func TestNewHonoursValidity(t *testing.T) {
	past := time.Now().Add(-48 * time.Hour)
	c, err := New([]string{"localhost"}, past, past.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: c.Pool}); err == nil {
		t.Fatal("an expired certificate verifies")
	}
}
