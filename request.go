package holdfast

import (
	"net/http"
	"net/url"
	"strings"

	"holdfast/internal/http1"
	"holdfast/internal/msghead"
)

// newRequest turns a parsed head into the *http.Request a handler sees.
// All strings are cut from one copy of the head, so a request costs one
// string allocation however many fields it has; field names that are not
// in canonical form already (rare) cost one more each. The request's
// context, URL and header values live in w. The request is filled on the
// stack, because the only public way to attach a context copies it: the
// copy is the one allocation of the *http.Request itself.
func newRequest(w *response, h *http1.Request, raw []byte, remote string) (*http.Request, error) {
	head := string(raw)
	str := func(b []byte) string { return msghead.Substr(head, raw, b) }

	r := &http.Request{
		Method:     methodString(h.Method, str),
		RequestURI: str(h.Target),
		Proto:      h.Version.String(),
		ProtoMajor: 1,
		ProtoMinor: int(h.Version - 10),
		RemoteAddr: remote,
		Close:      !http1.Persistent(h.Version, h.Close, h.KeepAlive),
	}
	if err := parseTarget(&w.url, h.Form, r.RequestURI); err != nil {
		return nil, http1.ErrBadTarget
	}
	r.URL = &w.url
	r.Header = msghead.Header(h.Fields, w.vals[:0], str, "Host")
	r.Host = str(h.Host) // net/http keeps Host out of the Header map
	if h.Form == http1.AbsoluteForm && w.url.Host != "" {
		r.Host = w.url.Host // RFC 9112 §3.2.2: the target's authority wins
	}
	switch {
	case h.Chunked:
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
	case h.ContentLength > 0:
		r.ContentLength = h.ContentLength
	}
	return r.WithContext(&w.ctx), nil
}

var commonMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"}

func methodString(m []byte, str func([]byte) string) string {
	for _, s := range commonMethods {
		if string(m) == s {
			return s
		}
	}
	return str(m)
}

// parseTarget fills u for each request-target form.
func parseTarget(u *url.URL, form http1.TargetForm, target string) error {
	switch form {
	case http1.AuthorityForm:
		*u = url.URL{Host: target}
		return nil
	case http1.AsteriskForm:
		*u = url.URL{Path: "*"}
		return nil
	case http1.OriginForm:
		if !strings.ContainsAny(target, "%?;") {
			// The common case needs no unescaping: skip the parser.
			*u = url.URL{Path: target}
			return nil
		}
	}
	parsed, err := url.ParseRequestURI(target)
	if err != nil {
		return err
	}
	*u = *parsed
	return nil
}
