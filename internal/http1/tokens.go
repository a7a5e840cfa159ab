package http1

import "bytes"

// Byte classes as lookup tables: one load per byte beats a chain of range
// comparisons in the loops that validate every byte of a head.
var (
	// tchar (RFC 9110 §5.6.2): what methods, field names and codings are made of.
	tokenChar = makeTable(func(c byte) bool {
		return isAlnum(c) || bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
	})
	// field-vchar plus SP and HTAB (RFC 9110 §5.5): obs-text is allowed,
	// every other control byte (NUL, CR, LF, DEL...) is not.
	valueChar = makeTable(func(c byte) bool {
		return c == '\t' || (c >= ' ' && c != 0x7f)
	})
	// What a request target may contain: anything visible, obs-text included,
	// but no controls, SP or DEL, and no "#": a fragment is never part of a
	// request target (RFC 9112 §3.2.1). The finer URI grammar is the
	// router's business.
	targetChar = makeTable(func(c byte) bool { return c > ' ' && c != 0x7f && c != '#' })
	// reg-name without pct-encoded (RFC 3986 §3.2.2): unreserved / sub-delims.
	regNameChar = makeTable(func(c byte) bool {
		return isAlnum(c) || bytes.IndexByte([]byte("-._~!$&'()*+,;="), c) >= 0
	})
	// Inside the brackets of an IPv6 literal.
	ipv6Char = makeTable(func(c byte) bool { return isHex(c) || c == ':' || c == '.' })
	// IPvFuture's tail (RFC 3986 §3.2.2): unreserved / sub-delims / ":".
	ipvFutureChar = makeTable(func(c byte) bool { return regNameChar[c] || c == ':' })
	// ASCII lower-casing; bytes >= 0x80 are left alone so obs-text never
	// folds onto ASCII.
	lowerTable = func() (t [256]byte) {
		for i := range t {
			t[i] = byte(i)
			if i >= 'A' && i <= 'Z' {
				t[i] = byte(i) + 'a' - 'A'
			}
		}
		return t
	}()
)

func makeTable(f func(c byte) bool) (t [256]bool) {
	for i := range t {
		t[i] = f(byte(i))
	}
	return t
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// isToken reports whether b is a non-empty token.
func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return len(b) > 0
}

// trimOWS removes leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// EqualFold reports whether b and s are equal under ASCII case folding.
// HTTP names are case-insensitive only in ASCII, so Unicode folding (as in
// bytes.EqualFold) would be wrong as well as slower.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerTable[b[i]] != lowerTable[s[i]] {
			return false
		}
	}
	return true
}

// listElem returns the list element that starts at index i of a
// comma-separated list (RFC 9110 §5.6.1), trimmed of OWS, and the index just
// after the comma that ends it. Empty elements come back empty so that each
// caller decides whether they are allowed.
func listElem(list []byte, i int) (elem []byte, next int) {
	j := bytes.IndexByte(list[i:], ',')
	if j < 0 {
		return trimOWS(list[i:]), len(list)
	}
	return trimOWS(list[i : i+j]), i + j + 1
}

// HasToken reports whether the comma-separated list contains token, compared
// case-insensitively. Empty elements ("a, ,b") are skipped, as RFC 9110
// §5.6.1 requires of recipients.
func HasToken(list []byte, token string) bool {
	for i := 0; i < len(list); {
		var e []byte
		e, i = listElem(list, i)
		if EqualFold(e, token) {
			return true
		}
	}
	return false
}

// commonNames are the field names worth interning: those that browsers,
// curl, proxies and common servers send on nearly every message. They are
// spelled in textproto's canonical form so that CanonicalFieldName gives the
// same spelling whether or not a name is in this list (and the same as
// net/http's Header keys).
var commonNames = [...]string{
	"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language",
	"Accept-Ranges", "Access-Control-Allow-Origin", "Age", "Allow",
	"Authorization", "Cache-Control", "Connection", "Content-Disposition",
	"Content-Encoding", "Content-Language", "Content-Length",
	"Content-Location", "Content-Range", "Content-Type", "Cookie", "Date",
	"Etag", "Expect", "Expires", "Forwarded", "From", "Host", "If-Match",
	"If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since",
	"Keep-Alive", "Last-Modified", "Link", "Location", "Max-Forwards",
	"Origin", "Pragma", "Priority", "Proxy-Authenticate",
	"Proxy-Authorization", "Proxy-Connection", "Range", "Referer",
	"Retry-After", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
	"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
	"Server", "Set-Cookie", "Strict-Transport-Security", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Upgrade-Insecure-Requests", "User-Agent",
	"Vary", "Via", "Www-Authenticate", "X-Forwarded-For", "X-Forwarded-Host",
	"X-Forwarded-Proto", "X-Request-Id",
}

// maxCommonLen bounds the index of commonByLen.
const maxCommonLen = 32

// commonByLen groups commonNames by length, so a lookup compares against
// at most a handful of candidates.
var commonByLen = func() (t [maxCommonLen + 1][]string) {
	for _, s := range commonNames {
		t[len(s)] = append(t[len(s)], s)
	}
	return t
}()

// CommonFieldName returns the canonical, interned spelling of name when it is
// one of the common field names, matched case-insensitively. Callers that
// need a string key (a header map, a log line) use it to avoid allocating one
// per message.
func CommonFieldName(name []byte) (string, bool) {
	if len(name) == 0 || len(name) > maxCommonLen {
		return "", false
	}
	first := lowerTable[name[0]]
	for _, s := range commonByLen[len(name)] {
		if lowerTable[s[0]] == first && EqualFold(name, s) {
			return s, true
		}
	}
	return "", false
}

// CanonicalFieldName returns name in canonical form: the interned string for
// a common name, otherwise textproto's form (upper case at the start and
// after each hyphen, lower case elsewhere), which allocates. A name that is
// not a token is returned unchanged, as textproto does, since changing its
// case could merge it with a different field.
func CanonicalFieldName(name []byte) string {
	if s, ok := CommonFieldName(name); ok {
		return s
	}
	if !isToken(name) {
		return string(name)
	}
	var stack [64]byte // most names fit: one allocation (the string), not two
	b := stack[:0]
	if len(name) > len(stack) {
		b = make([]byte, 0, len(name))
	}
	b = b[:len(name)]
	upper := true
	for i, c := range name {
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper {
			c = lowerTable[c]
		}
		b[i] = c
		upper = c == '-'
	}
	return string(b)
}
