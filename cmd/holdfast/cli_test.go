package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"holdfast/probe"
)

// dispatchArgs runs the command line args in this process.
func dispatchArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = dispatch(args, &out, &errb)
	return code, out.String(), errb.String()
}

// commandFlagSets are every command's flags, for tests that go over all of
// them.
func commandFlagSets() map[string]*flag.FlagSet {
	var asJSON bool
	return map[string]*flag.FlagSet{
		"serve": serveFlags(&serveConfig{}),
		"proxy": proxyFlags(&proxyConfig{}),
		"bench": benchFlagSet(&benchFlags{}),
		"probe": probeFlagSet(&probe.Config{}, &asJSON),
		"run":   configFlags(new(string)),
	}
}

// The server's sockets inherit TCP_USER_TIMEOUT from its listener only if
// the listener is plain TCP: an MPTCP-capable client must get a plain TCP
// connection, from the main listener and from the admin one.
func TestServeListensPlainTCP(t *testing.T) {
	if !mptcpWorks(t) {
		t.Skip("this system does not make MPTCP connections")
	}
	c := startCommand(t, "serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	for _, url := range []string{c.url, c.admin} {
		if mptcp := dialMPTCP(t, strings.TrimPrefix(url, "http://")); mptcp {
			t.Errorf("%s accepted a Multipath TCP connection: its listener is not plain TCP", url)
		}
	}
}

// mptcpWorks reports whether an MPTCP client and listener make an MPTCP
// connection here, so that TestServeListensPlainTCP can fail.
func mptcpWorks(t *testing.T) bool {
	var lc net.ListenConfig
	lc.SetMultipathTCP(true)
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return false
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	return dialMPTCP(t, l.Addr().String())
}

// dialMPTCP connects to addr offering MPTCP and reports whether the
// connection uses it.
func dialMPTCP(t *testing.T, addr string) bool {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	d.SetMultipathTCP(true)
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mptcp, err := c.(*net.TCPConn).MultipathTCP()
	return err == nil && mptcp
}

func TestFlagsMayFollowTheDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	c := startCommand(t, "serve", dir, "--listen", "127.0.0.1:0", "--max-requests", "7")
	out := curl(t, c.url+"/a.txt")
	if !strings.Contains(out, "200 OK") || !strings.Contains(out, "max=6") {
		t.Fatalf("serving %s with flags after it:\n%s", dir, out)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		rest     []string
		listen   string
		requests int
		json     bool
	}{
		{[]string{"DIR", "--listen", "A", "-max-requests=3"}, []string{"DIR"}, "A", 3, false},
		{[]string{"--listen=A", "DIR", "--no-keepalive"}, []string{"DIR"}, "A", 1000, true},
		{[]string{"--no-keepalive=false", "--", "--listen"}, []string{"--listen"}, "127.0.0.1:8080", 1000, false},
		{[]string{"-", "X"}, []string{"-", "X"}, "127.0.0.1:8080", 1000, false},
	} {
		var cfg serveConfig
		rest, err := parseArgs(serveFlags(&cfg), tc.args)
		if err != nil || !slices.Equal(rest, tc.rest) || cfg.listen != tc.listen || cfg.policy.MaxRequests != tc.requests || cfg.noKeepAlive != tc.json {
			t.Errorf("%q: rest %q, listen %q, max requests %d, no-keepalive %v, error %v", tc.args, rest, cfg.listen, cfg.policy.MaxRequests, cfg.noKeepAlive, err)
		}
	}
}

// Every duration flag of every command reads a bare number as seconds and
// a Go duration as such, and refuses a negative one naming the flag.
func TestDurationFlagsReadOneWay(t *testing.T) {
	front := []string{"idle-timeout", "header-timeout", "body-timeout", "send-timeout", "max-age",
		"tcp-keepalive-idle", "tcp-keepalive-interval", "tcp-user-timeout", "drain-timeout", "handshake-timeout"}
	want := map[string][]string{
		"serve": front,
		"proxy": append(front, "upstream-idle-timeout", "upstream-timeout", "upstream-dial-timeout", "health-interval",
			"upstream-tcp-keepalive-idle", "upstream-tcp-keepalive-interval", "upstream-tcp-user-timeout"),
		"bench": {"d", "timeout"},
		"probe": {"max-wait", "timeout"},
	}
	for name, fs := range commandFlagSets() {
		var found []string
		fs.VisitAll(func(f *flag.Flag) {
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isDuration := g.Get().(time.Duration); isDuration {
					t.Errorf("%s %s reads durations the flag package's way", name, flagName(f.Name))
				}
			}
			if _, ok := f.Value.(*durationValue); !ok {
				return
			}
			found = append(found, f.Name)
			for arg, d := range map[string]string{"7": "7s", "1.5": "1.5s", "90s": "1m30s", "250ms": "250ms"} {
				if _, err := parseArgs(fs, []string{flagName(f.Name), arg}); err != nil || f.Value.String() != d {
					t.Errorf("%s %s %s: %v, value %s; want %s", name, flagName(f.Name), arg, err, f.Value, d)
				}
			}
			for _, arg := range []string{"-5s", "-5", "soon"} {
				_, err := parseArgs(fs, []string{flagName(f.Name), arg})
				if err == nil || !strings.HasPrefix(err.Error(), flagName(f.Name)+" "+arg+": ") {
					t.Errorf("%s %s %s: error %v", name, flagName(f.Name), arg, err)
				}
			}
		})
		if slices.Sort(found); !slices.Equal(found, slices.Sorted(slices.Values(want[name]))) {
			t.Errorf("%s: duration flags %q, want %q", name, found, want[name])
		}
	}
}

// Zero keeps its documented meaning: no limit (for the drain limit, read
// nothing), which a Policy spells negative.
func TestServeZeroMeansNoLimit(t *testing.T) {
	cfg, err := parseServeArgs([]string{"--idle-timeout", "0", "--max-requests", "0", "--max-age", "0s", "--drain-limit", "0", "--header-timeout", "0"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := srv.Policy
	if p.IdleTimeout != -1 || p.MaxRequests != -1 || p.MaxAge != -1 || p.DrainLimit != -1 || p.HeaderTimeout != -1 || p.BodyTimeout != 60*time.Second {
		t.Errorf("policy %+v", p)
	}
}

// The overload flags reach the Policy as given.
func TestServeOverloadFlags(t *testing.T) {
	cfg, err := parseServeArgs([]string{"--max-conns", "10000", "--max-conns-per-ip", "64", "--min-body-rate", "512"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p := srv.Policy; p.MaxConns != 10000 || p.MaxConnsPerIP != 64 || p.MinBodyRate != 512 {
		t.Errorf("policy %+v", p)
	}
}

// A command line that cannot run as written exits 2 with one line naming
// the flag as the help spells it; a failure of the work exits 1.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	refused := bpRefused(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--bogus"}, 2, "unknown flag --bogus"},
		{[]string{"serve", "--listen"}, 2, "--listen needs a value"},
		{[]string{"--idle-timeout", "soon"}, 2, "--idle-timeout soon: not a duration"},
		{[]string{"--max-requests", "-5"}, 2, "--max-requests -5: must not be negative"},
		{[]string{"serve", "--idle-timeout", "-5s"}, 2, "--idle-timeout -5s: must not be negative"},
		{[]string{"--tcp-keepalive-count", "0"}, 2, "--tcp-keepalive-count 0: must be at least 1"},
		{[]string{"--drain-limit", "-1"}, 2, "--drain-limit -1: must not be negative"},
		{[]string{"--max-body", "-1"}, 2, "--max-body -1: must not be negative"},
		{[]string{"--max-conns", "-1"}, 2, "--max-conns -1: must not be negative"},
		{[]string{"--tcp-keepalive-idle", "0"}, 2, "--tcp-keepalive-idle 0: must be more than zero"},
		{[]string{"--no-keepalive=maybe"}, 2, "--no-keepalive=maybe: want true or false"},
		{[]string{"serve", "a", "b"}, 2, "one directory at most"},
		{[]string{"/does/not/exist"}, 2, `"/does/not/exist" is not a directory`},
		{[]string{"--engine", "nope"}, 2, "--engine nope: want auto, goroutine or epoll"},
		{[]string{"--tls-cert", "c.pem"}, 2, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-self-signed", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, 2, "--tls-self-signed or --tls-cert, not both"},
		{[]string{"--no-h2"}, 2, "--no-h2 needs HTTPS"},
		{[]string{"--handshake-timeout", "-1"}, 2, "--handshake-timeout -1: must not be negative"},
		{[]string{"--tls-cert", "/does/not/exist.pem", "--tls-key", "/does/not/exist.pem", "--listen", "127.0.0.1:0", dir}, 1, "--tls-cert, --tls-key: open /does/not/exist.pem"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"proxy"}, 2, "--upstream is required"},
		{[]string{"proxy", "--upstream", "https://127.0.0.1:1"}, 2, `--upstream: bad upstream URL "https://127.0.0.1:1"`},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--balance", "fastest"}, 2, "--balance fastest: want random-two"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--eject-after", "0"}, 2, "--eject-after 0: must be at least 1"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--upstream-timeout", "-1"}, 2, "--upstream-timeout -1: must not be negative"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--idle-timeout", "soon"}, 2, "--idle-timeout soon: not a duration"},
		{[]string{"version", "x"}, 2, "takes no arguments"},
		{[]string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"bench", "-c", "0", refused}, 2, "-c 0: must be at least 1"},
		{[]string{"bench", "-n", "-1", refused}, 2, "-n -1: must not be negative"},
		{[]string{"bench", "--rate", "-1", refused}, 2, "--rate -1: must not be negative"},
		{[]string{"bench", "--pipeline", "-2", refused}, 2, "--pipeline -2: must be at least 1"},
		{[]string{"bench", "-d", "0", refused}, 2, "-d 0: must be more than zero"},
		{[]string{"bench", "--pipeline", "2", "--no-keepalive", refused}, 2, "--pipeline needs keep-alive"},
		{[]string{"bench", "ftp://127.0.0.1:1/"}, 2, `scheme "ftp"`},
		{[]string{"bench", "--compare", "--no-resume", refused}, 2, "drop --no-resume"},
		{[]string{"bench", "-H", "nocolon", refused}, 2, "bad header"},
		{[]string{"probe", "--max-requests", "-1", refused}, 2, "--max-requests -1: must be at least 1"},
		{[]string{"probe", "--max-wait", "-1", refused}, 2, "--max-wait -1: must not be negative"},
		{[]string{"probe", "http://[::1"}, 2, "bad URL"},
		{[]string{"--listen", "256.0.0.1:99999", dir}, 1, "invalid port"},
		{[]string{"bench", "-n", "5", refused}, 1, "connection refused"},
		{[]string{"probe", refused}, 1, "connection refused"},
	} {
		code, _, stderr := dispatchArgs(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and one line saying %q", tc.args, code, stderr, tc.code, tc.want)
		}
		if m := regexp.MustCompile(`(^|[ "])-[a-z][a-z0-9.-]+`).FindString(stderr); m != "" {
			t.Errorf("%q: a long flag spelled with one dash: %q in %q", tc.args, m, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := dispatchArgs("version")
	code2, out2, _ := dispatchArgs("--version")
	if code != 0 || code2 != 0 || out != out2 || !strings.HasPrefix(out, "holdfast ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version: exit %d %q; --version: exit %d %q", code, out, code2, out2)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "holdfast", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "7a3c0d5e1f2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(info), "holdfast (devel) 7a3c0d5e1f2b (dirty), go1.26.0 "+runtime.GOOS+"/"+runtime.GOARCH; got != want {
		t.Errorf("versionLine: %q, want %q", got, want)
	}
	info.Main.Version = "v0.0.0-20260102030405-7a3c0d5e1f2b+dirty"
	if got := versionLine(info); !strings.HasPrefix(got, "holdfast v0.0.0-20260102030405-7a3c0d5e1f2b+dirty, go1.26.0 ") {
		t.Errorf("versionLine: %q", got)
	}
	info = &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "holdfast", Version: "v1.2.3"}}
	if got := versionLine(info); !strings.HasPrefix(got, "holdfast v1.2.3, go1.26.0 ") {
		t.Errorf("versionLine: %q", got)
	}
}

// A bare word is a command when it names one, a directory when one exists
// by that name, and a mistyped command otherwise.
func TestCommandOrDirectory(t *testing.T) {
	code, _, stderr := dispatchArgs("frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") || !strings.Contains(stderr, "serve, proxy, run, check, reload, bench, probe, version") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	t.Chdir(t.TempDir())
	os.Mkdir("frobnicate", 0o755)
	if !looksLikePath("frobnicate") || !looksLikePath("./missing") || looksLikePath("missing") {
		t.Error("a word that exists, or is written as a path, is serve's directory")
	}
}

// Every command's help lists every flag it has, and no flag it lacks.
func TestHelpDescribesWhatExists(t *testing.T) {
	flagRef := regexp.MustCompile(`(?:^|[\s(\[])(--?[a-zA-Z][a-zA-Z0-9.-]*)`)
	for name, fs := range commandFlagSets() {
		code, help, _ := dispatchArgs(name, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit %d", name, code)
		}
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(help, flagName(f.Name)+" ") && !strings.Contains(help, flagName(f.Name)+"\n") {
				t.Errorf("%s --help does not list %s", name, flagName(f.Name))
			}
		})
		for _, m := range flagRef.FindAllStringSubmatch(help, -1) {
			if ref := strings.Trim(m[1], "-."); fs.Lookup(ref) == nil && ref != "help" && ref != "version" {
				t.Errorf("%s --help mentions %s, which it does not have", name, m[1])
			}
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"version", "--help"}, {"serve", "--help"}, {"proxy", "--help"}, {"bench", "--help"}, {"probe", "--help"}, {"help", "bench"}, {"check", "--help"}, {"help", "reload"}} {
		code, help, _ := dispatchArgs(args...)
		if code != 0 || help == "" {
			t.Errorf("%q: exit %d, help:\n%s", args, code, help)
		}
	}
	_, help, _ := dispatchArgs("serve", "--help")
	for _, want := range []string{"--listen ADDR", "(default 127.0.0.1:8080)", "--idle-timeout DURATION", "(default 1m15s)", "--max-requests N", "(default 1000)"} {
		if !strings.Contains(help, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}
