// Package msghead turns a parsed message head into what net/http's types
// hold, for the server's requests and the client's responses alike: every
// string of a message is cut from one copy of its head, and the values of
// its header map share one backing array, so that a message costs a few
// allocations however many fields it has.
package msghead

import (
	"net/http"

	"holdfast/internal/http1"
)

// Substr returns the part of head that b covers; b must point into raw,
// of which head is a copy.
func Substr(head string, raw, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	off := cap(raw) - cap(b)
	return head[off : off+len(b)]
}

// Header makes the header map of a request or response, leaving out the
// field named skip; str cuts a string from the head (see Substr). Values
// share one backing array (vals, when it is large enough); each value
// slice is capped so that a caller's append copies instead of overwriting
// its neighbour.
func Header(fields []http1.Field, vals []string, str func([]byte) string, skip string) http.Header {
	hdr := make(http.Header, len(fields))
	if cap(vals) < len(fields) {
		vals = make([]string, len(fields))
	}
	vals = vals[:len(fields)]
	for i, f := range fields {
		name, ok := http1.CommonFieldName(f.Name)
		if !ok {
			name = canonicalName(f.Name, str)
		}
		if name == skip {
			continue
		}
		vals[i] = str(f.Value)
		if prev, dup := hdr[name]; dup {
			hdr[name] = append(prev, vals[i])
			continue
		}
		hdr[name] = vals[i : i+1 : i+1]
	}
	return hdr
}

// canonicalName allocates only when the name is not canonical already.
func canonicalName(name []byte, str func([]byte) string) string {
	return http.CanonicalHeaderKey(str(name))
}
