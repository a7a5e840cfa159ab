package http1

import "bytes"

// ParseResponse parses the response head at the start of buf, with the same
// contract as ParseRequest: (0, nil) for more input, (n, nil) for a complete
// head of n bytes, (0, err) for an *Error, whose Status is 502 since it is
// the upstream that failed. MaxRequestLine bounds the status line.
//
// Interim (1xx) responses are returned like final ones; the caller loops,
// calling Reset in between. Parsing is lenient only where interoperability
// needs it and the framing cannot be affected: a missing reason phrase, and
// whitespace before a field's colon (which RFC 9112 §5.1 has proxies strip).
func (p *Parser) ParseResponse(buf []byte, resp *Response) (n int, err error) {
	p.request = false
	if err := p.scan(buf); err != nil {
		return 0, p.fail(responseErr(err))
	}
	if p.phase != scanDone {
		return 0, nil
	}
	if err := p.parseResponseHead(buf, resp); err != nil {
		return 0, p.fail(responseErr(err))
	}
	return p.end, nil
}

// responseErr maps the errors shared with request parsing to their 502
// counterparts. A sticky error already mapped passes through unchanged.
func responseErr(err error) error {
	switch err {
	case ErrRequestLineTooLong:
		return ErrStatusLineTooLong
	case ErrHeadTooLarge:
		return ErrResponseHead
	case ErrTooManyFields:
		return ErrResponseTooManyFields
	case ErrBareLF:
		return ErrResponseBareLF
	case ErrBareCR:
		return ErrResponseBareCR
	case ErrBadFieldName, ErrSpaceBeforeColon, ErrBadFieldValue, ErrObsFold:
		return ErrBadResponseField
	case ErrBadContentLength:
		return ErrBadResponseLength
	case ErrConflictingLength:
		return ErrConflictingResponseLength
	}
	return err
}

func (p *Parser) parseResponseHead(buf []byte, resp *Response) error {
	resp.Reset()
	if err := parseStatusLine(buf[p.start:p.lineEnd-1], resp); err != nil {
		return err
	}
	var te teList
	head := buf[:p.end]
	for ls := p.lineEnd + 1; ls < p.end-2; {
		name, value, cr, err := parseField(head, ls, true)
		if err != nil {
			return err
		}
		if head[cr+1] != '\n' {
			return ErrBareCR
		}
		resp.Fields = append(resp.Fields, Field{Name: name, Value: value})
		if err := responseField(resp, &te, name, value); err != nil {
			return err
		}
		ls = cr + 2
	}
	return finishResponse(resp, &te)
}

// parseStatusLine parses "HTTP-version SP 3DIGIT SP [reason]" (RFC 9112 §4),
// also accepting the line without the second SP, as some servers send it.
func parseStatusLine(line []byte, resp *Response) error {
	if bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareCR
	}
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return ErrBadStatusLine
	}
	v, err := parseVersion(line[:8])
	switch err {
	case nil:
	case ErrVersionNotSupported:
		return ErrResponseVersion
	default:
		return ErrBadStatusLine
	}
	code := 0
	for _, c := range line[9:12] {
		if !isDigit(c) {
			return ErrBadStatusLine
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || code > 599 { // RFC 9110 §15: the valid range
		return ErrBadStatusLine
	}
	var reason []byte
	if len(line) > 12 {
		reason = line[13:]
	}
	if !validValue(reason) {
		return ErrBadStatusLine
	}
	resp.Version, resp.Status, resp.Reason = v, code, reason
	return nil
}

func responseField(resp *Response, te *teList, name, value []byte) error {
	switch len(name) {
	case 10:
		switch {
		case EqualFold(name, "connection"):
			resp.Close, resp.KeepAlive, _ = connectionTokens(value, resp.Close, resp.KeepAlive, false)
		case EqualFold(name, "keep-alive"):
			t, m := ParseKeepAlive(value)
			if t >= 0 {
				resp.KeepAliveTimeout = t
			}
			if m >= 0 {
				resp.KeepAliveMax = m
			}
		}
	case 14:
		if EqualFold(name, "content-length") {
			n, err := mergeContentLength(resp.ContentLength, value)
			resp.ContentLength = n
			return err
		}
	case 17:
		if EqualFold(name, "transfer-encoding") {
			te.add(value)
		}
	}
	return nil
}

// finishResponse applies RFC 9112 §6.1 and §6.3 to the transfer codings.
// Both Content-Length and Transfer-Encoding, or Transfer-Encoding in an
// HTTP/1.0 response, are errors rather than something to resolve: the RFC
// calls them likely smuggling or faulty framing, and a proxy that guessed
// would forward a body its client may delimit differently. Codings that end
// in chunked are read as chunked (any earlier coding stays in the field for
// the caller to see); codings that do not end in chunked are read until the
// connection closes.
func finishResponse(resp *Response, te *teList) error {
	if !te.seen {
		return nil
	}
	switch {
	case resp.Version == HTTP10:
		return ErrResponseEncodingInHTTP10
	case resp.ContentLength >= 0:
		return ErrResponseLengthAndEncoding
	case te.chunked > 1:
		return ErrResponseChunkedTwice
	case te.lastChunked:
		resp.Chunked = true
	default:
		resp.OtherEncoding = true
	}
	return nil
}
