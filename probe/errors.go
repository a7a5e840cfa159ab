package probe

import "errors"

// Errors returned by Run: each reads as a sentence after the command name.
var (
	ErrBadURL       = errors.New("probe: bad URL")
	ErrUnreachable  = errors.New("probe: cannot connect")
	ErrNotHTTP      = errors.New("probe: the server did not answer with HTTP/1.x")
	ErrSpeaksTLS    = errors.New("probe: the server speaks TLS: probe its https:// URL")
	ErrTLSHandshake = errors.New("probe: TLS handshake failed")
)
