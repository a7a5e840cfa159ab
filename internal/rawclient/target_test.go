package rawclient

import (
	"errors"
	"strings"
	"testing"
)

var errBad = errors.New("tool: bad URL")

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Target
	}{
		{"localhost:8080/x?y=1", Target{"localhost:8080", "localhost:8080", "/x?y=1", false, "localhost"}},
		{"http://example.com", Target{"example.com:80", "example.com", "/", false, "example.com"}},
		{"HTTP://example.com/a%20b", Target{"example.com:80", "example.com", "/a%20b", false, "example.com"}},
		{"http://[::1]:81/p", Target{"[::1]:81", "[::1]:81", "/p", false, "::1"}},
		{"http://127.0.0.1:65535/", Target{"127.0.0.1:65535", "127.0.0.1:65535", "/", false, "127.0.0.1"}},
		{"https://example.com/", Target{"example.com:443", "example.com", "/", true, "example.com"}},
		{"HTTPS://localhost:8443/x", Target{"localhost:8443", "localhost:8443", "/x", true, "localhost"}},
	} {
		got, err := ParseTarget(tc.raw, errBad)
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestParseTargetRefuses(t *testing.T) {
	for _, tc := range []struct {
		raw, text string
	}{
		{"", "no URL given"},
		{"ftp://example.com/", `scheme "ftp" (only http and https are supported)`},
		{"http:///p", "has no host"},
		{"http://[::1/", "bad URL: missing ']' in host"},
		{"http://h:0/", `bad port "0"`},
		{"http://h:65536/", `bad port "65536"`},
	} {
		_, err := ParseTarget(tc.raw, errBad)
		if !errors.Is(err, errBad) || !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "tool: bad URL: ") {
			t.Errorf("%q: error %v, want %q", tc.raw, err, tc.text)
		}
	}
}

func TestTLSConfig(t *testing.T) {
	plain, _ := ParseTarget("http://h/", errBad)
	if plain.TLSConfig(false) != nil {
		t.Error("a plain target has a TLS configuration")
	}
	secure, _ := ParseTarget("https://example.com:8443/", errBad)
	cfg := secure.TLSConfig(true)
	if cfg.ServerName != "example.com" || !cfg.InsecureSkipVerify || len(cfg.NextProtos) != 1 || cfg.NextProtos[0] != "http/1.1" {
		t.Errorf("%+v", cfg)
	}
}
