package readbuf

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"holdfast/internal/http1"
)

func TestFillMakesRoomAndGrows(t *testing.T) {
	b := Buffer{Buf: make([]byte, 4)}
	src := bytes.NewReader([]byte("abcdefghijkl"))
	if n, err := b.Fill(src, 16); n != 4 || err != nil || string(b.Unread()) != "abcd" {
		t.Fatalf("first fill: %d, %v, %q", n, err, b.Unread())
	}
	b.Consume(2)
	// Full with a consumed prefix: the unread input moves to the front.
	if n, err := b.Fill(src, 16); n != 2 || err != nil || string(b.Unread()) != "cdef" || len(b.Buf) != 4 {
		t.Fatalf("second fill: %d, %v, %q in %d", n, err, b.Unread(), len(b.Buf))
	}
	// Full of unread input: the buffer doubles, keeping it.
	if n, err := b.Fill(src, 16); n != 4 || err != nil || string(b.Unread()) != "cdefghij" || len(b.Buf) != 8 {
		t.Fatalf("third fill: %d, %v, %q in %d", n, err, b.Unread(), len(b.Buf))
	}
	b.Consume(b.Len())
	// All consumed: it starts over at the front.
	if n, err := b.Fill(src, 16); n != 2 || err != nil || b.Start != 0 || string(b.Unread()) != "kl" {
		t.Fatalf("fourth fill: %d, %v, %q at %d", n, err, b.Unread(), b.Start)
	}
	if n, err := b.Fill(src, 16); n != 0 || err != io.EOF {
		t.Fatalf("at the end: %d, %v", n, err)
	}
}

func TestFillStopsAtLimit(t *testing.T) {
	b := Buffer{Buf: make([]byte, 4)}
	src := bytes.NewReader(bytes.Repeat([]byte("x"), 32))
	for b.Len() < 6 {
		if _, err := b.Fill(src, 6); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.Buf) != 6 {
		t.Fatalf("grew to %d, want the limit 6", len(b.Buf))
	}
	if _, err := b.Fill(src, 6); !errors.Is(err, http1.ErrResponseHead) {
		t.Fatalf("full at the limit: %v, want ErrResponseHead", err)
	}
}

func TestFillNoProgress(t *testing.T) {
	b := Buffer{Buf: make([]byte, 4)}
	if n, err := b.Fill(iotest.ErrReader(nil), 4); n != 0 || err != io.ErrNoProgress {
		t.Fatalf("a read of nothing without an error: %d, %v", n, err)
	}
	want := errors.New("boom")
	if _, err := b.Fill(iotest.ErrReader(want), 4); err != want {
		t.Fatalf("read error: %v", err)
	}
}
