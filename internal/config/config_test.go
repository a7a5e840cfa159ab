package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"holdfast/internal/config"
)

// parse writes text as holdfast.yaml in a directory that has a www
// directory and a file cert.pem, and reads it.
func parse(t *testing.T, text string) (*config.File, error) {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("not a certificate"), 0o644)
	path := filepath.Join(dir, "holdfast.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return config.Load(path)
}

const goodFile = `
admin: 127.0.0.1:0
drain-timeout: 20s
drain-delay: 2
pid-file: run/holdfast.pid
listeners:
  - listen: 127.0.0.1:0
    idle-timeout: 620
    max-requests: 500
    no-keepalive-header: true
    routes:
      - path: /
        static: www
      - host: API.example.com
        path: /v1/
        upstream: app
      - host: "*.old.example.com"
        redirect: https://example.com/new/
        status: 301
upstreams:
  app:
    urls: [http://127.0.0.1:9001, http://127.0.0.1:9002/base]
    balance: round-robin
    idle-timeout: 50s
`

// A good file becomes the model: settings as their flags read them,
// paths made absolute from the file's directory, defaults filled in.
func TestGoodFile(t *testing.T) {
	f, err := parse(t, goodFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f.Path)
	if f.DrainDelay.Seconds() != 2 || f.PIDFile != filepath.Join(dir, "run/holdfast.pid") {
		t.Errorf("drain-delay %v, pid-file %q", f.DrainDelay, f.PIDFile)
	}
	if s, ok := f.Setting("drain-timeout"); !ok || s.Value != "20s" || s.Pos != (config.Pos{Line: 3, Column: 16}) {
		t.Errorf("drain-timeout: %+v %v", s, ok)
	}
	l := f.Listeners[0]
	for flag, want := range map[string]string{"idle-timeout": "10m20s", "max-requests": "500", "no-keepalive-header": "true"} {
		if s, ok := l.Setting(flag); !ok || s.Value != want {
			t.Errorf("%s = %q, want %q", flag, s.Value, want)
		}
	}
	if len(l.Routes) != 3 {
		t.Fatalf("routes: %+v", l.Routes)
	}
	if r := l.Routes[0]; r.Static != filepath.Join(dir, "www") || r.Path != "/" {
		t.Errorf("static route %+v", r)
	}
	if r := l.Routes[1]; r.Host != "api.example.com" || r.Upstream != "app" || r.Path != "/v1/" {
		t.Errorf("upstream route %+v", r)
	}
	if r := l.Routes[2]; r.Host != "*.old.example.com" || r.Redirect != "https://example.com/new" || r.Status != 301 || r.Path != "/" {
		t.Errorf("redirect route %+v", r)
	}
	u := f.Upstreams[0]
	if s, _ := findSetting(u.Settings, "upstream-idle-timeout"); u.Name != "app" || len(u.URLs) != 2 || s != "50s" {
		t.Errorf("upstream %+v", u)
	}
}

func findSetting(settings []config.Setting, flag string) (string, bool) {
	for _, s := range settings {
		if s.Flag == flag {
			return s.Value, true
		}
	}
	return "", false
}

// listener wraps a listener's extra lines into a file with one route.
func listener(extra string) string {
	return "listeners:\n  - listen: 127.0.0.1:0\n    routes:\n      - path: /\n        static: www\n" + extra
}

// Every kind of mistake is reported where it is, with what was expected.
func TestErrorsHavePositions(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		at         string // line:column
		kind       error
		says       string
	}{
		{"syntax", "listeners:\n  - listen: [a\n", "2:13", config.ErrSyntax, "]"},
		{"empty", "", "", config.ErrMissing, "empty"},
		{"top unknown key", "listenrs: []\n", "1:1", config.ErrUnknownKey, `did you mean "listeners"`},
		{"listener unknown key", listener("    idle_timeout: 5s\n"), "6:5", config.ErrUnknownKey, `did you mean "idle-timeout"`},
		{"route unknown key", listener("      - paht: /x\n        static: www\n"), "6:9", config.ErrUnknownKey, `unknown key "paht" in a route`},
		{"bad duration", listener("    idle-timeout: soon\n"), "6:19", config.ErrBadValue, "expected a duration"},
		{"negative duration", listener("    max-age: -5s\n"), "6:14", config.ErrBadValue, "negative"},
		{"zero where positive", "drain-timeout: 0\n" + listener(""), "1:16", config.ErrBadValue, "zero"},
		{"count as text", listener("    max-requests: \"10\"\n"), "6:19", config.ErrBadValue, "whole number"},
		{"bool as text", listener("    no-keepalive: yes\n"), "6:19", config.ErrBadValue, "true or false"},
		{"enum", listener("    engine: threads\n"), "6:13", config.ErrBadValue, "auto, goroutine, epoll"},
		{"duplicate key", listener("    max-age: 1s\n    max-age: 2s\n"), "7:5", config.ErrSyntax, "already defined"},
		{"two listeners one address", "listeners:\n  - listen: 127.0.0.1:8080\n    routes: [{static: www}]\n  - listen: 127.0.0.1:8080\n    routes: [{static: www}]\n", "4:13", config.ErrDuplicate, "also the address of listeners[0] (line 2)"},
		{"wildcard clashes", "listeners:\n  - listen: :8080\n    routes: [{static: www}]\n  - listen: 127.0.0.1:8080\n    routes: [{static: www}]\n", "4:13", config.ErrDuplicate, "also the address"},
		{"admin on a listener's address", "admin: 127.0.0.1:8080\nlisteners:\n  - listen: 127.0.0.1:8080\n    routes: [{static: www}]\n", "3:13", config.ErrDuplicate, "the admin listener (line 1)"},
		{"bad address", "listeners:\n  - listen: localhost\n    routes: [{static: www}]\n", "2:13", config.ErrBadValue, "host:port"},
		{"unknown upstream", listener("      - path: /api/\n        upstream: ap\n"), "7:19", config.ErrUnknownUpstream, `no upstream group "ap"`},
		{"two targets", listener("      - path: /x\n        static: www\n        redirect: https://example.com\n"), "6:9", config.ErrBadValue, "static and redirect"},
		{"no target", listener("      - path: /x\n"), "6:9", config.ErrMissing, "no target"},
		{"missing directory", listener("      - path: /x\n        static: nowhere\n"), "7:17", config.ErrBadValue, "expected the path of a directory"},
		{"path without slash", listener("      - path: x\n        static: www\n"), "6:15", config.ErrBadValue, `starting with "/"`},
		{"route twice", listener("      - path: /\n        static: www\n"), "6:9", config.ErrDuplicate, "route at line 4"},
		{"host with port", listener("      - host: a.example:80\n        static: www\n"), "6:15", config.ErrBadValue, "without a port"},
		{"redirect with query", listener("      - path: /x\n        redirect: https://example.com/?a=1\n"), "7:19", config.ErrBadValue, "without a query"},
		{"status without redirect", listener("      - path: /x\n        static: www\n        status: 301\n"), "8:17", config.ErrBadValue, "redirect only"},
		{"bad status", listener("      - path: /x\n        redirect: https://example.com\n        status: 200\n"), "8:17", config.ErrBadValue, "308"},
		{"no listen", "listeners:\n  - routes: [{static: www}]\n", "2:5", config.ErrMissing, "no listen key"},
		{"no routes", "listeners:\n  - listen: 127.0.0.1:0\n", "2:5", config.ErrMissing, "no routes"},
		{"empty listeners", "listeners: []\n", "1:12", config.ErrMissing, "at least one of the listeners"},
		{"empty routes", "listeners:\n  - listen: 127.0.0.1:0\n    routes: []\n", "3:13", config.ErrMissing, "at least one of the routes"},
		{"no listeners", "admin: 127.0.0.1:0\n", "1:1", config.ErrMissing, "no listeners"},
		{"listeners not a list", "listeners: 5\n", "1:12", config.ErrBadValue, "expected a list of listeners"},
		{"upstream without urls", listener("upstreams:\n  app:\n    balance: round-robin\n"), "7:3", config.ErrMissing, "no urls"},
		{"upstream url", listener("upstreams:\n  app:\n    urls: [https://x]\n"), "8:12", config.ErrBadValue, "http://host"},
		{"upstream twice in a group", listener("upstreams:\n  app:\n    urls: [http://x, http://y, http://x]\n"), "8:32", config.ErrDuplicate, "also urls[0]"},
		{"upstream unknown key", listener("upstreams:\n  app:\n    urls: [http://x]\n    upstream-idle-timeout: 5s\n"), "9:5", config.ErrUnknownKey, `did you mean "idle-timeout"`},
		{"cert without key", listener("    tls-cert: cert.pem\n"), "6:15", config.ErrMissing, "needs tls-key"},
		{"cert that does not load", listener("    tls-cert: cert.pem\n    tls-key: cert.pem\n"), "6:15", config.ErrBadValue, "do not load"},
		{"no-h2 without TLS", listener("    no-h2: true\n"), "6:12", config.ErrBadValue, "needs HTTPS"},
		{"tag", listener("    max-age: !!str 5s\n"), "6:14", config.ErrBadValue, "tags"},
		{"two documents", listener("---\nadmin: 127.0.0.1:0\n"), "7:1", config.ErrSyntax, "second YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.file)
			if err == nil {
				t.Fatal("no error")
			}
			first := strings.Split(err.Error(), "\n")[0]
			want := "holdfast.yaml:" + tc.at + ": "
			if tc.at == "" {
				want = "holdfast.yaml: "
			}
			if !strings.Contains(first, want) || !strings.Contains(first, tc.says) || !errors.Is(err, tc.kind) {
				t.Errorf("error %q\nwant %q ... %q, kind %v", err, want, tc.says, tc.kind)
			}
		})
	}
}

// Every problem of a file is reported, in the file's order, not just the
// first.
func TestAllErrorsReported(t *testing.T) {
	_, err := parse(t, listener("    max-age: soon\n    engine: x\n      \nupstreams:\n  app:\n    urls: [ftp://x]\n"))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	var at []string
	for _, l := range lines {
		_, rest, _ := strings.Cut(l, "holdfast.yaml:")
		pos, _, _ := strings.Cut(rest, ": ")
		at = append(at, pos)
	}
	if fmt.Sprint(at) != "[6:14 7:13 11:12]" {
		t.Errorf("errors at %v:\n%s", at, err)
	}
}

// An unreadable file is an error naming the file.
func TestUnreadable(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("%v", err)
	}
}
