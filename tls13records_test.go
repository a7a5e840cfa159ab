package holdfast

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"
)

// The record layer on its own: two of them face each other, one with the
// client's secrets swapped in (it reads what the server writes). The
// interop tests (tls_peers_test.go) check it against OpenSSL and
// crypto/tls.

var (
	testClientSecret = bytes.Repeat([]byte{0x11}, 48)
	testServerSecret = bytes.Repeat([]byte{0x22}, 48)
)

// recordPair is a server record layer and the client side facing it.
func recordPair(t testing.TB, suite uint16) (server, client *recordLayer) {
	n := suiteByID(suite).hash().Size()
	server, err := newRecordLayer(suite, testClientSecret[:n], testServerSecret[:n])
	if err != nil {
		t.Fatal(err)
	}
	client, err = newRecordLayer(suite, testServerSecret[:n], testClientSecret[:n])
	if err != nil {
		t.Fatal(err)
	}
	return server, client
}

// sealAll seals data as application records of at most maxPlaintext.
func sealAll(t testing.TB, r *recordLayer, data []byte) []byte {
	var out []byte
	buf := make([]byte, sealBufSize)
	for len(data) > 0 {
		n := copy(buf[recordHeaderLen:recordHeaderLen+maxPlaintext], data)
		data = data[n:]
		rec, err := r.seal(buf, n, recordAppData)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec...)
	}
	return out
}

// readAll reads application data until src runs dry.
func readAll(r *recordLayer, src io.Reader) ([]byte, error) {
	var got []byte
	p := make([]byte, 1000)
	for {
		n, err := r.read(p, src)
		got = append(got, p[:n]...)
		if err != nil {
			return got, err
		}
	}
}

// trickle hands out one byte per read, and says "no bytes yet" between
// them, as a loop-fed socket does.
type trickle struct {
	b       []byte
	skipped bool
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(tr.b) == 0 {
		return 0, io.EOF
	}
	if !tr.skipped {
		tr.skipped = true
		return 0, errWouldBlock
	}
	tr.skipped = false
	p[0] = tr.b[0]
	tr.b = tr.b[1:]
	return 1, nil
}

func TestRecordLayerRoundTrip(t *testing.T) {
	for _, suite := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256} {
		t.Run(tls.CipherSuiteName(suite), func(t *testing.T) {
			server, client := recordPair(t, suite)
			for _, size := range []int{1, 100, maxPlaintext, maxPlaintext + 1, 3*maxPlaintext + 7} {
				want := bytes.Repeat([]byte("x"), size)
				got, err := readAll(server, bytes.NewReader(sealAll(t, client, want)))
				if err != io.EOF || !bytes.Equal(got, want) {
					t.Fatalf("%d bytes client to server: got %d, %v", size, len(got), err)
				}
				server.err = nil // the EOF above is the reader's, not a close_notify
				got, err = readAll(client, bytes.NewReader(sealAll(t, server, want)))
				if err != io.EOF || !bytes.Equal(got, want) {
					t.Fatalf("%d bytes server to client: got %d, %v", size, len(got), err)
				}
				client.err = nil
				server.dropCiphers() // the AEADs are made again on the next record
				client.dropCiphers()
			}
		})
	}
}

func TestRecordLayerPartialRecords(t *testing.T) {
	server, client := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	want := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	src := &trickle{b: append(sealAll(t, client, want), sealAll(t, client, want)...)}
	var got []byte
	blocked := 0
	p := make([]byte, 64)
	for {
		n, err := server.read(p, src)
		got = append(got, p[:n]...)
		if err == errWouldBlock {
			blocked++
			continue
		}
		if err != nil {
			break
		}
	}
	if !bytes.Equal(got, append(append([]byte{}, want...), want...)) || blocked == 0 {
		t.Fatalf("got %q after %d would-blocks", got, blocked)
	}
}

func TestRecordLayerKeyUpdate(t *testing.T) {
	server, client := recordPair(t, tls.TLS_AES_256_GCM_SHA384)
	buf := make([]byte, sealBufSize)
	// The client asks for a KeyUpdate, then speaks with its new key.
	copy(buf[recordHeaderLen:], []byte{msgKeyUpdate, 0, 0, 1, 1})
	ku, err := client.seal(buf, 5, recordHandshake)
	if err != nil {
		t.Fatal(err)
	}
	stream := append([]byte{}, ku...)
	if err := client.out.update(client.suite); err != nil {
		t.Fatal(err)
	}
	stream = append(stream, sealAll(t, client, []byte("after the update"))...)
	got, err := readAll(server, bytes.NewReader(stream))
	if string(got) != "after the update" || err != io.EOF || !server.keyUpdateDue() {
		t.Fatalf("server read %q, %v; update due %v", got, err, server.keyUpdateDue())
	}
	// The server answers with its own KeyUpdate, then writes with its new
	// key; the client follows both.
	rec, err := server.keyUpdateRecord(buf)
	if err != nil {
		t.Fatal(err)
	}
	stream = append([]byte{}, rec...)
	stream = append(stream, sealAll(t, server, []byte("answer"))...)
	got, err = readAll(client, bytes.NewReader(stream))
	if string(got) != "answer" || err != io.EOF || server.keyUpdateDue() || client.keyUpdateDue() {
		t.Fatalf("client read %q, %v", got, err)
	}
}

func TestRecordLayerPaddingAndAlerts(t *testing.T) {
	server, client := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	buf := make([]byte, sealBufSize)
	// "hi", its content type, then five bytes of padding (RFC 8446 §5.4).
	n := copy(buf[recordHeaderLen:], append([]byte("hi"), recordAppData, 0, 0, 0, 0))
	padded, _ := client.seal(buf, n, 0)
	stream := append([]byte{}, padded...)
	closeNotify, _ := client.alertRecord(buf, alertCloseNotify)
	stream = append(stream, closeNotify...)
	got, err := readAll(server, bytes.NewReader(stream))
	if string(got) != "hi" || err != io.EOF || server.failAlert() != 0 {
		t.Fatalf("read %q, %v", got, err)
	}
	// A fatal alert is the client's error; no alert is owed back.
	server, client = recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	fatal, _ := client.alertRecord(buf, 40)
	_, err = readAll(server, bytes.NewReader(fatal))
	var pae peerAlertError
	if !errors.As(err, &pae) || pae != 40 || server.failAlert() != 0 || !strings.Contains(err.Error(), "handshake failure") {
		t.Fatalf("fatal alert: %v", err)
	}
}

func TestRecordLayerRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(rec []byte) []byte
		want   error
		alert  uint8
	}{
		{"bad tag", func(rec []byte) []byte { rec[len(rec)-1] ^= 1; return rec }, errBadRecord, alertBadRecordMAC},
		{"plaintext type", func(rec []byte) []byte { rec[0] = recordHandshake; return rec }, errUnexpectedRecord, alertUnexpected},
		{"oversized", func([]byte) []byte { return []byte{recordAppData, 3, 3, 0x48, 0x01} }, errRecordOverflow, 0},
		{"truncated", func(rec []byte) []byte { return rec[:len(rec)-3] }, io.ErrUnexpectedEOF, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
			rec := tc.mangle(sealAll(t, client, []byte("payload")))
			_, err := readAll(server, bytes.NewReader(rec))
			if !errors.Is(err, tc.want) || server.failAlert() != tc.alert {
				t.Fatalf("error %v alert %d; want %v alert %d", err, server.failAlert(), tc.want, tc.alert)
			}
		})
	}
}

// TestRecordLayerSealedCount: of what a handshake wrote, the records
// sealed with the server's application key are counted (session tickets),
// those before them (plaintext hello, handshake-key records) are not.
func TestRecordLayerSealedCount(t *testing.T) {
	server, _ := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	other, _ := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	other.out.key[0] ^= 0xff // another key: a handshake-key record
	written := []byte{recordHandshake, 3, 3, 0, 2, 2, 0}
	written = append(written, sealAll(t, other, []byte("encrypted extensions"))...)
	written = append(written, sealAll(t, other, []byte("finished"))...)
	written = append(written, sealAll(t, server, []byte("ticket 1"))...)
	written = append(written, sealAll(t, server, []byte("ticket 2"))...)
	fresh, _ := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
	if n, ok := fresh.sealedCount(written); !ok || n != 2 {
		t.Fatalf("sealedCount = %d, %v; want 2", n, ok)
	}
	if _, ok := fresh.sealedCount(written[:len(written)-3]); ok {
		t.Fatal("a cut record was counted")
	}
}

// FuzzRecordLayer feeds arbitrary bytes to the reading side: whatever
// arrives, it returns data or an error, and never panics or loops.
func FuzzRecordLayer(f *testing.F) {
	_, client := recordPair(f, tls.TLS_AES_128_GCM_SHA256)
	valid := sealAll(f, client, []byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add(valid)
	f.Add(valid[:7])
	f.Add([]byte{recordAppData, 3, 3, 0xff, 0xff})
	f.Add(append(valid, valid...))
	f.Fuzz(func(t *testing.T, data []byte) {
		server, _ := recordPair(t, tls.TLS_AES_128_GCM_SHA256)
		src := &trickle{b: data}
		p := make([]byte, 512)
		for i := 0; i < 4*len(data)+8; i++ {
			_, err := server.read(p, src)
			if err != nil && err != errWouldBlock {
				return
			}
		}
		t.Fatalf("no end after %d reads of %d bytes", 4*len(data)+8, len(data))
	})
}
