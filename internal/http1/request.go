package http1

import "bytes"

// ParseRequest parses the request head at the start of buf, which holds all
// the bytes received so far for this message: the caller appends to it and
// calls again, always with the same prefix.
//
// It returns (0, nil) when more input is needed; (n, nil) when the head is
// complete and valid, where n counts the bytes of the head including the
// blank line that ends it and any empty lines skipped before the request
// line; or (0, err) with err an *Error. Size limits are enforced as the bytes
// arrive: ErrRequestLineTooLong as soon as the request line is longer than
// MaxRequestLine without its CRLF, ErrHeadTooLarge as soon as more than
// MaxHeadBytes have arrived without the end of the head (skipped empty lines
// count toward MaxHeadBytes, so an endless stream of them is refused too).
//
// req is reset and filled only once the head is complete; its slices point
// into buf. On an error it may be partly filled. Call Reset before parsing
// the next message.
func (p *Parser) ParseRequest(buf []byte, req *Request) (n int, err error) {
	p.request = true
	if err := p.scan(buf); err != nil {
		return 0, err
	}
	if p.phase != scanDone {
		return 0, nil
	}
	if err := p.parseRequestHead(buf, req); err != nil {
		return 0, p.fail(err)
	}
	return p.end, nil
}

// parseRequestHead validates the complete head in buf[p.start:p.end].
func (p *Parser) parseRequestHead(buf []byte, req *Request) error {
	req.Reset()
	p.line.fill(buf[p.start:p.lineEnd-1], req)
	var h reqHeadState
	head := buf[:p.end]
	for ls := p.lineEnd + 1; ls < p.end-2; {
		name, value, cr, err := parseField(head, ls, false)
		if err != nil {
			return err
		}
		if head[cr+1] != '\n' {
			return ErrBareCR
		}
		req.Fields = append(req.Fields, Field{Name: name, Value: value})
		if err := h.field(req, name, value); err != nil {
			return err
		}
		ls = cr + 2
	}
	return h.finish(req)
}

// requestLine is a checked request line: where its parts end, relative
// to its start, and what they say.
type requestLine struct {
	methodEnd, targetStart, targetEnd int
	form                              TargetForm
	version                           Version
}

// fill sets req's request-line fields from line, the bytes l was checked on.
func (l *requestLine) fill(line []byte, req *Request) {
	req.Method, req.Target = line[:l.methodEnd], line[l.targetStart:l.targetEnd]
	req.Form, req.Version = l.form, l.version
}

// checkRequestLine checks the start line of a request as soon as its CRLF
// has arrived, before the rest of the head, so that a request that can
// never be served ("GET /", "PRI * HTTP/2.0") is answered at once.
func (p *Parser) checkRequestLine(line []byte) error {
	l, err := parseRequestLine(line)
	p.line = l
	return err
}

// parseRequestLine parses "method SP request-target SP HTTP-version" (RFC
// 9112 §3), CRLF excluded. Control bytes other than CR were refused as
// they arrived (see Parser.lineControl). The version is checked before the
// target so that an HTTP/2 connection preface ("PRI * HTTP/2.0") is
// answered with 505.
func parseRequestLine(line []byte) (requestLine, error) {
	var l requestLine
	if bytes.IndexByte(line, '\r') >= 0 {
		return l, ErrBareCR
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return l, ErrBadRequestLine
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || bytes.IndexByte(rest[sp2+1:], ' ') >= 0 {
		return l, ErrBadRequestLine
	}
	method, target := line[:sp1], rest[:sp2]
	if !isToken(method) {
		return l, ErrBadMethod
	}
	v, err := parseVersion(rest[sp2+1:])
	if err != nil {
		return l, err
	}
	form, err := parseTarget(method, target)
	if err != nil {
		return l, err
	}
	return requestLine{methodEnd: sp1, targetStart: sp1 + 1, targetEnd: sp1 + 1 + sp2, form: form, version: v}, nil
}

// parseVersion parses exactly "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3).
func parseVersion(b []byte) (Version, error) {
	if len(b) != 8 || string(b[:5]) != "HTTP/" || !isDigit(b[5]) || b[6] != '.' || !isDigit(b[7]) {
		return 0, ErrBadVersion
	}
	if b[5] != '1' {
		return 0, ErrVersionNotSupported
	}
	if b[7] == '0' {
		return HTTP10, nil
	}
	return HTTP11, nil // 1.1, and 1.2 and up as 1.1 (RFC 9110 §6.2)
}

// parseTarget checks the request target's bytes and its form against the
// method (RFC 9112 §3.2): authority-form only and always for CONNECT,
// asterisk-form only for OPTIONS. No form has a fragment (§3.2.1: a client
// strips it), and an absolute-form target has no userinfo (RFC 9110 §4.2.4
// makes it an error for http and https; for other schemes it is as
// suspect): both are refused.
func parseTarget(method, target []byte) (TargetForm, error) {
	for _, c := range target {
		if !targetChar[c] {
			if c == '#' {
				return 0, ErrTargetFragment
			}
			return 0, ErrBadTarget
		}
	}
	switch {
	case string(method) == "CONNECT":
		if !validHost(target, true) {
			return 0, ErrBadTarget
		}
		return AuthorityForm, nil
	case target[0] == '/':
		return OriginForm, nil
	case len(target) == 1 && target[0] == '*':
		if string(method) != "OPTIONS" {
			return 0, ErrBadTarget
		}
		return AsteriskForm, nil
	}
	auth, ok := absoluteAuthority(target)
	switch {
	case !ok:
		return 0, ErrBadTarget
	case bytes.IndexByte(auth, '@') >= 0:
		return 0, ErrTargetUserinfo
	}
	return AbsoluteForm, nil
}

// absoluteAuthority returns the authority of t when t is scheme "://"
// authority [rest] with a non-empty authority; ok is false otherwise. The
// scheme is not restricted to http and https: which schemes a proxy serves
// is policy, not syntax.
func absoluteAuthority(t []byte) (auth []byte, ok bool) {
	if len(t) == 0 || !isAlpha(t[0]) {
		return nil, false
	}
	i := 1
	for i < len(t) && (isAlnum(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.') {
		i++
	}
	if len(t) < i+3 || string(t[i:i+3]) != "://" {
		return nil, false
	}
	auth = t[i+3:]
	if j := bytes.IndexAny(auth, "/?"); j >= 0 {
		auth = auth[:j]
	}
	return auth, len(auth) > 0
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// validHost reports whether v is uri-host [":" port] (RFC 3986 §3.2.2):
// a reg-name (with pct-encoding), an IPv4 address (a reg-name lexically) or
// a bracketed IP literal, then optional port digits. An empty value is valid
// unless a port is required; a port without a host is not.
func validHost(v []byte, needPort bool) bool {
	if len(v) == 0 {
		return !needPort
	}
	var rest []byte
	if v[0] == '[' {
		end := bytes.IndexByte(v, ']')
		if end < 0 || !validIPLiteral(v[1:end]) {
			return false
		}
		rest = v[end+1:]
	} else {
		end := bytes.IndexByte(v, ':')
		if end < 0 {
			end = len(v)
		}
		if end == 0 || !validRegName(v[:end]) {
			return false
		}
		rest = v[end:]
	}
	if len(rest) == 0 {
		return !needPort
	}
	if rest[0] != ':' || (needPort && len(rest) == 1) {
		return false
	}
	for _, c := range rest[1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func validRegName(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch {
		case regNameChar[b[i]]:
		case b[i] == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

// validIPLiteral checks what is between the brackets: IPv6address (by its
// characters, not its full grammar) or IPvFuture ("v" 1*HEXDIG "." ...).
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		dot := bytes.IndexByte(b, '.')
		if dot < 2 || dot == len(b)-1 {
			return false
		}
		for _, c := range b[1:dot] {
			if !isHex(c) {
				return false
			}
		}
		return allIn(b[dot+1:], &ipvFutureChar)
	}
	return bytes.IndexByte(b, ':') >= 0 && allIn(b, &ipv6Char)
}

func allIn(b []byte, class *[256]bool) bool {
	for _, c := range b {
		if !class[c] {
			return false
		}
	}
	return true
}
