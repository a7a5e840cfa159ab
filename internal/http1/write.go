package http1

import (
	"strconv"
	"time"
)

// reasons are the reason phrases of the status codes in the IANA HTTP Status
// Code Registry, as RFC 9110 §15 and the other registering RFCs spell them.
// 418 is registered as "(Unused)", so it gets no phrase.
var reasons = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
	208: "Already Reported", 226: "IM Used",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
	410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
	414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
	417: "Expectation Failed", 421: "Misdirected Request", 422: "Unprocessable Content",
	423: "Locked", 424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required",
	428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
	510: "Not Extended", 511: "Network Authentication Required",
}

// statusLines holds every status line from "HTTP/1.1 100 ...\r\n" to
// "HTTP/1.1 999 \r\n", built once, so writing one is a single copy.
var statusLines = func() (t [1000]string) {
	for code := 100; code < len(t); code++ {
		// A code without a phrase keeps the SP before the empty reason
		// (RFC 9112 §4).
		t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + reasons[code] + "\r\n"
	}
	return t
}()

// AppendStatusLine appends "HTTP/1.1 <code> <reason>\r\n". The version is
// always 1.1, the highest a server speaks (RFC 9110 §2.5), whatever the
// request's. A code outside 100-999 cannot be written as three digits; it is
// a caller's bug, and 500 is written instead rather than a broken line.
func AppendStatusLine(dst []byte, code int) []byte {
	if code < 100 || code >= len(statusLines) {
		code = 500
	}
	return append(dst, statusLines[code]...)
}

// StatusText returns the registered reason phrase for code, or "".
func StatusText(code int) string { return reasons[code] }

// AppendField appends "name: value\r\n". It does not validate: callers
// check names and values that come from untrusted input with ValidFieldName
// and ValidFieldValue, since writing a CR or LF here would split the head.
func AppendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// ValidFieldName reports whether s is a valid field name: a non-empty token.
func ValidFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return len(s) > 0
}

// ValidFieldValue reports whether s can be sent as a field value: no control
// bytes other than HTAB (so no CR, LF, NUL or DEL); obs-text is allowed.
func ValidFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if !valueChar[s[i]] {
			return false
		}
	}
	return true
}

// AppendKeepAlive appends a Keep-Alive field advertising how long an idle
// connection is kept and how many more requests it will serve, e.g.
// "Keep-Alive: timeout=5, max=99\r\n". A negative argument is left out; if
// both are, nothing is appended.
func AppendKeepAlive(dst []byte, timeoutSeconds, max int) []byte {
	if timeoutSeconds < 0 && max < 0 {
		return dst
	}
	dst = append(dst, "Keep-Alive: "...)
	if timeoutSeconds >= 0 {
		dst = append(dst, "timeout="...)
		dst = strconv.AppendInt(dst, int64(timeoutSeconds), 10)
	}
	if max >= 0 {
		if timeoutSeconds >= 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, "max="...)
		dst = strconv.AppendInt(dst, int64(max), 10)
	}
	return append(dst, "\r\n"...)
}

// ParseKeepAlive reads the timeout and max parameters of a Keep-Alive field
// value (RFC 2068 §19.7.1). Each is -1 when missing or not a non-negative
// decimal that fits an int. Names are case-insensitive, parameters may come
// in any order with spaces around them and "=", values may be quoted, and
// unknown parameters are ignored; the first occurrence of a name wins.
func ParseKeepAlive(v []byte) (timeoutSeconds, max int) {
	timeoutSeconds, max = -1, -1
	var seenTimeout, seenMax bool
	for i := 0; i < len(v); {
		var e []byte
		e, i = listElem(v, i)
		name, val := splitParam(e)
		switch {
		case !seenTimeout && EqualFold(name, "timeout"):
			seenTimeout, timeoutSeconds = true, paramInt(val)
		case !seenMax && EqualFold(name, "max"):
			seenMax, max = true, paramInt(val)
		}
	}
	return timeoutSeconds, max
}

// splitParam splits "name = value" around its first "=", trimming OWS.
func splitParam(e []byte) (name, value []byte) {
	for i, c := range e {
		if c == '=' {
			return trimOWS(e[:i]), trimOWS(e[i+1:])
		}
	}
	return e, nil
}

// paramInt parses a parameter value as a non-negative int, or returns -1.
func paramInt(v []byte) int {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, ok := parseDecimal(v)
	if !ok || n > int64(int(^uint(0)>>1)) {
		return -1
	}
	return int(n)
}

// AppendDate appends t as an IMF-fixdate (RFC 9110 §5.6.7), the format of
// the Date field, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". It formats by hand
// because time.AppendFormat parses its layout on every call.
func AppendDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	dst = append(dst, weekdays[t.Weekday()]...)
	dst = append(dst, ", "...)
	dst = append2(dst, day)
	dst = append(dst, ' ')
	dst = append(dst, months[month-1]...)
	dst = append(dst, ' ')
	if year >= 0 && year <= 9999 {
		dst = append2(dst, year/100)
		dst = append2(dst, year%100)
	} else { // not a valid date for HTTP; at least keep it legible
		dst = strconv.AppendInt(dst, int64(year), 10)
	}
	dst = append(dst, ' ')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, min)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	return append(dst, " GMT"...)
}

var (
	weekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// append2 appends n (0-99) as two digits.
func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}
