package proxy

import (
	"net"
	"net/http"
	"strings"
)

// isHopByHop reports whether k, a canonical field name, is a hop-by-hop
// field (RFC 9110 §7.6.1): it describes one connection, the client's or
// the upstream's, and is never passed on. Connection names more of them,
// per message. A switch rather than a map: no hashing of every name.
func isHopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Te", "Transfer-Encoding", "Upgrade",
		"Content-Length", // framing: the Transport writes its own from ContentLength
		"Trailer":        // the Transport declares the trailers it sends
		return true
	}
	return false
}

// copyEndToEnd copies the end-to-end fields of src into dst: every field
// but the hop-by-hop ones and those src's Connection names. The value
// slices are shared, not copied: neither side changes them.
func copyEndToEnd(dst, src http.Header) {
	named := connectionNamed(src)
	for k, vs := range src {
		if isHopByHop(k) || named != nil && named[k] {
			continue
		}
		dst[k] = vs
	}
}

// connectionNamed is the set of fields the Connection field names, in
// canonical form, leaving out the options that name no field of their
// own (close) or a hop-by-hop one anyway (keep-alive, upgrade); nil when
// there is none, the usual case, which costs no allocation.
func connectionNamed(h http.Header) map[string]bool {
	var named map[string]bool
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok = strings.TrimSpace(tok)
			if tok == "" || strings.EqualFold(tok, "close") || strings.EqualFold(tok, "keep-alive") || strings.EqualFold(tok, "upgrade") {
				continue
			}
			if named == nil {
				named = make(map[string]bool)
			}
			named[http.CanonicalHeaderKey(tok)] = true
		}
	}
	return named
}

// hasToken reports whether any value of field name in h lists token
// (case-insensitive), as Connection and TE list theirs.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok, _, _ = strings.Cut(tok, ";")
			if strings.EqualFold(strings.TrimSpace(tok), token) {
				return true
			}
		}
	}
	return false
}

// Field values the proxy sets, shared by every request: the Transport
// and the server only read them.
var (
	trailersValue = []string{"trailers"}
	httpValue     = []string{"http"}
	httpsValue    = []string{"https"}
)

// requestHeader is the header of the request sent upstream: the client's
// end-to-end fields, TE: trailers if the client accepts trailers, and the
// fields that say who asked: X-Forwarded-For (the client's address
// appended), X-Forwarded-Proto and X-Forwarded-Host (set, whatever the
// client sent), and Via (appended).
func requestHeader(r *http.Request) http.Header {
	return appendRequestHeader(make(http.Header, len(r.Header)+4), r, make([]string, 2))
}

// appendRequestHeader is requestHeader into h, an empty map; vals (two
// long) holds the values made per request.
func appendRequestHeader(h http.Header, r *http.Request, vals []string) http.Header {
	copyEndToEnd(h, r.Header)
	if hasToken(r.Header, "Te", "trailers") {
		h["Te"] = trailersValue
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := r.Header["X-Forwarded-For"]; len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		vals[0] = ip
		h["X-Forwarded-For"] = vals[0:1:1]
	}
	h["X-Forwarded-Proto"] = httpValue
	if r.TLS != nil {
		h["X-Forwarded-Proto"] = httpsValue
	}
	if r.Host != "" {
		vals[1] = r.Host
		h["X-Forwarded-Host"] = vals[1:2:2]
	}
	h["Via"] = appendVia(r.Header["Via"], r.ProtoMajor, r.ProtoMinor)
	return h
}

// responseHeader copies the upstream response's end-to-end fields into
// the client's response, with Via appended; Content-Length is kept, for
// the server to frame the body as the upstream did.
func responseHeader(dst http.Header, resp *http.Response) {
	copyEndToEnd(dst, resp.Header)
	if cl := resp.Header["Content-Length"]; len(cl) > 0 && resp.ContentLength >= 0 {
		dst["Content-Length"] = cl
	}
	if tr := resp.Header["Trailer"]; len(tr) > 0 {
		dst["Trailer"] = tr // the server sends them chunked, after the body
	}
	// A copy: the client's header map is the handler's to change.
	dst["Via"] = append([]string(nil), appendVia(resp.Header["Via"], resp.ProtoMajor, resp.ProtoMinor)...)
}

// viaName is how the proxy names itself in Via (a pseudonym, as RFC 9110
// §7.6.3 allows).
const viaName = "holdfast"

var viaValues = [2][]string{{"1.0 " + viaName}, {"1.1 " + viaName}}

// appendVia adds the proxy's entry, for a message received in
// HTTP/major.minor, after the entries of earlier hops.
func appendVia(prior []string, major, minor int) []string {
	own := viaValues[1]
	if major == 1 && minor == 0 {
		own = viaValues[0]
	}
	if len(prior) == 0 {
		return own
	}
	v := own[0]
	out := make([]string, len(prior)+1)
	copy(out, prior)
	out[len(prior)] = v
	return out
}
