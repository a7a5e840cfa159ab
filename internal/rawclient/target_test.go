package rawclient

import (
	"errors"
	"strings"
	"testing"
)

var (
	errBad = errors.New("tool: bad URL")
	errTLS = errors.New("tool: https is not supported yet")
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Target
	}{
		{"localhost:8080/x?y=1", Target{"localhost:8080", "localhost:8080", "/x?y=1"}},
		{"http://example.com", Target{"example.com:80", "example.com", "/"}},
		{"HTTP://example.com/a%20b", Target{"example.com:80", "example.com", "/a%20b"}},
		{"http://[::1]:81/p", Target{"[::1]:81", "[::1]:81", "/p"}},
		{"http://127.0.0.1:65535/", Target{"127.0.0.1:65535", "127.0.0.1:65535", "/"}},
	} {
		got, err := ParseTarget(tc.raw, errBad, errTLS)
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
		{"ftp://example.com/", `scheme "ftp" (only http is supported)`},
		{"http:///p", "has no host"},
		{"http://[::1/", "bad URL: missing ']' in host"},
		{"http://h:0/", `bad port "0"`},
		{"http://h:65536/", `bad port "65536"`},
	} {
		_, err := ParseTarget(tc.raw, errBad, errTLS)
		if !errors.Is(err, errBad) || !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "tool: bad URL: ") {
			t.Errorf("%q: error %v, want %q", tc.raw, err, tc.text)
		}
	}
	if _, err := ParseTarget("HTTPS://example.com/", errBad, errTLS); err != errTLS {
		t.Errorf("https: error %v, want the caller's TLS error itself", err)
	}
}
