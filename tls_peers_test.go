package holdfast_test

import (
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"holdfast"
)

// TLS against other implementations: curl (OpenSSL, nghttp2) and openssl
// s_client. Chromium is in demo/'s tests.

// peer runs a peer program under a bound, and skips when it is missing.
func peer(t *testing.T, stdin io.Reader, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = 5 * time.Second
	var out, errOut strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

func TestTLSCurlReuse(t *testing.T) {
	for _, tc := range []struct{ flag, proto string }{{"--http1.1", "HTTP/1.1"}, {"--http2", "HTTP/2.0"}} {
		t.Run(tc.flag, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				ts := newTLSServer(t, e, tlsInfo)
				url := "https://localhost:" + port(ts.addr)
				out, verbose := peer(t, nil, "curl", "-sS", "-v", tc.flag, "--cacert", writeTemp(t, testCert().CertPEM),
					"--resolve", "localhost:"+port(ts.addr)+":127.0.0.1", url+"/a", "-w", "\n", url+"/b")
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if len(lines) != 2 {
					t.Fatalf("curl printed %q", out)
				}
				for _, l := range lines {
					if _, rest, _ := strings.Cut(l, " "); !strings.HasPrefix(rest, tc.proto+" TLS 1.3") {
						t.Fatalf("curl's request saw %q, want %s over TLS 1.3", l, tc.proto)
					}
				}
				if !strings.Contains(verbose, "Re-using existing connection") {
					t.Errorf("curl did not say it reused the connection:\n%s", verbose)
				}
				if st := ts.Stats(); st.ConnectionsAccepted != 1 || st.Requests != 2 {
					t.Fatalf("%d connections for %d requests, want 1 for 2", st.ConnectionsAccepted, st.Requests)
				}
			})
		})
	}
}

func TestTLSOpenSSLSuites(t *testing.T) {
	for _, suite := range []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"} {
		t.Run(suite, func(t *testing.T) {
			run(t, func(t *testing.T, e holdfast.Engine) {
				ts := newTLSServer(t, e, carrier)
				req := "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
				out, _ := peer(t, strings.NewReader(req), "openssl", "s_client", "-quiet",
					"-connect", ts.addr, "-servername", "localhost", "-tls1_3", "-ciphersuites", suite)
				want := "records"
				if e != holdfast.EngineEpoll {
					want = ""
				}
				if n := strings.Count(out, "HTTP/1.1 200 OK"); n != 2 || !strings.Contains(out, "\r\n\r\n"+want) {
					t.Fatalf("%d responses, want 2 carried by %q:\n%s", n, want, out)
				}
			})
		})
	}
}

// TestTLSKeyUpdate has openssl ask for a key update between two requests:
// the server must take the client's new key and send its own KeyUpdate
// before the second response.
func TestTLSKeyUpdate(t *testing.T) {
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skipf("openssl not installed: %v", err)
	}
	run(t, func(t *testing.T, e holdfast.Engine) {
		ts := newTLSServer(t, e, carrier)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, "s_client", "-quiet", "-no_ign_eof",
			"-connect", ts.addr, "-servername", "localhost", "-tls1_3")
		cmd.WaitDelay = 5 * time.Second
		feed, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, verbose := &syncBuffer{}, &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, verbose
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// s_client takes "K" as a command only when a read of its input
		// returns that line alone: each step is written once s_client has
		// shown that it consumed the one before.
		io.WriteString(feed, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
		firstAnswered := out.waitFor(ctx, "HTTP/1.1 200 OK")
		if firstAnswered {
			io.WriteString(feed, "K\n")
		}
		if firstAnswered && verbose.waitFor(ctx, "KEYUPDATE") {
			io.WriteString(feed, "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		}
		if !firstAnswered || !strings.Contains(verbose.String(), "KEYUPDATE") {
			feed.Close()
		}
		// s_client ends when the server closes the connection after the
		// second answer; an end of its input before that would end it early.
		cmd.Wait()
		feed.Close()
		if n := strings.Count(out.String(), "HTTP/1.1 200 OK"); n != 2 || !strings.Contains(verbose.String(), "KEYUPDATE") {
			t.Fatalf("%d responses, want 2 around a KEYUPDATE:\n%s\n%s", n, out, verbose)
		}
		if e == holdfast.EngineEpoll && strings.Count(out.String(), "records") != 2 {
			t.Fatalf("the record layer did not carry both requests:\n%s", out)
		}
	})
}
