package http1

import (
	"net/textproto"
	"strings"
	"testing"
)

func TestHasToken(t *testing.T) {
	cases := []struct {
		list, token string
		want        bool
	}{
		{"close", "close", true},
		{"Close", "close", true},
		{"keep-alive, close", "close", true},
		{"keep-alive,close", "close", true},
		{"keep-alive ,\tclose\t", "close", true},
		{"a, ,b", "b", true},
		{",,a,,", "a", true},
		{"a, ,b", "", true}, // an empty element matches the empty token
		{"", "close", false},
		{"closed", "close", false},
		{"clos", "close", false},
		{"keep-alive", "close", false},
		{"close-ish, x", "close", false},
		{"c lose", "close", false},
		{"CLOSE", "close", true},
	}
	for _, c := range cases {
		if got := HasToken([]byte(c.list), c.token); got != c.want {
			t.Errorf("HasToken(%q, %q) = %v", c.list, c.token, got)
		}
	}
}

func TestEqualFold(t *testing.T) {
	cases := []struct {
		b, s string
		want bool
	}{
		{"Content-Length", "content-length", true},
		{"HOST", "host", true},
		{"host", "hosts", false},
		{"", "", true},
		{"a-b", "a_b", false},
		{"\xc3\x89", "\xc3\xa9", false}, // no Unicode folding
		{"K", "\u212a", false},          // nor the Kelvin sign
		{"[", "{", false},               // 0x5b and 0x7b differ only in bit 5
		{"@", "`", false},
	}
	for _, c := range cases {
		if got := EqualFold([]byte(c.b), c.s); got != c.want {
			t.Errorf("EqualFold(%q, %q) = %v", c.b, c.s, got)
		}
	}
}

func TestCommonFieldName(t *testing.T) {
	if len(commonNames) < 40 {
		t.Fatalf("only %d common names", len(commonNames))
	}
	seen := map[string]bool{}
	for _, name := range commonNames {
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if c := textproto.CanonicalMIMEHeaderKey(name); c != name {
			t.Errorf("%s is not canonical (%s)", name, c)
		}
		for _, in := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			got, ok := CommonFieldName([]byte(in))
			if !ok || got != name {
				t.Errorf("CommonFieldName(%q) = %q, %v", in, got, ok)
			}
		}
	}
	for _, in := range []string{"", "X-Custom", "Content-Typ", "Content-Typee", "Hos", strings.Repeat("a", 100)} {
		if got, ok := CommonFieldName([]byte(in)); ok {
			t.Errorf("CommonFieldName(%q) = %q", in, got)
		}
	}
	b := []byte("content-type")
	if n := testing.AllocsPerRun(100, func() { CommonFieldName(b) }); n != 0 {
		t.Errorf("CommonFieldName allocates %v times", n)
	}
}

func TestCanonicalFieldName(t *testing.T) {
	for _, in := range []string{
		"content-type", "x-forwarded-for", "X-CUSTOM-THING", "a", "-a-", "x--y",
		"x_y-z", "www-authenticate", "etag", "te", "foo.bar-baz", "1abc-2def",
		"bad name", "bad:name", "", "caf\xc3\xa9", strings.Repeat("ab-", 40),
	} {
		want := textproto.CanonicalMIMEHeaderKey(in)
		if got := CanonicalFieldName([]byte(in)); got != want {
			t.Errorf("CanonicalFieldName(%q) = %q, want %q", in, got, want)
		}
	}
	// An interned name costs nothing.
	b := []byte("USER-AGENT")
	if n := testing.AllocsPerRun(100, func() { CanonicalFieldName(b) }); n != 0 {
		t.Errorf("CanonicalFieldName of a common name allocates %v times", n)
	}
}
