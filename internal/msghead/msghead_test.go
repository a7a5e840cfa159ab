package msghead

import (
	"net/http"
	"reflect"
	"testing"

	"holdfast/internal/http1"
)

func TestHeaderCutsFromOneCopy(t *testing.T) {
	raw := []byte("Host: a\r\nx-custom: 1\r\nAccept: b\r\nX-Custom: 2\r\n")
	head := string(raw)
	str := func(b []byte) string { return Substr(head, raw, b) }
	field := func(name, value string, at int) http1.Field {
		return http1.Field{Name: raw[at : at+len(name)], Value: raw[at+len(name)+2 : at+len(name)+2+len(value)]}
	}
	fields := []http1.Field{field("Host", "a", 0), field("x-custom", "1", 9), field("Accept", "b", 22), field("X-Custom", "2", 33)}
	got := Header(fields, nil, str, "Host")
	want := http.Header{"X-Custom": {"1", "2"}, "Accept": {"b"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Header = %v, want %v", got, want)
	}
	// A caller's append must not overwrite the next value in the shared array.
	acc := append(got["Accept"], "c")
	if got["X-Custom"][1] != "2" || len(acc) != 2 {
		t.Fatalf("append spilled into a neighbour: %v", got)
	}
	if Substr(head, raw, nil) != "" {
		t.Fatal("Substr of nothing is not empty")
	}
}
