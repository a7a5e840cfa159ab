package testrig

import "errors"

var (
	// ErrNoNginx is returned when no nginx binary is installed.
	ErrNoNginx = errors.New("testrig: nginx not found (apt-get install nginx-light)")
	// ErrNginxBody is returned for a body nginx cannot return verbatim.
	ErrNginxBody = errors.New("testrig: nginx body must not contain '$'")
	// ErrNginxStart is returned when nginx did not start listening.
	ErrNginxStart = errors.New("testrig: nginx did not start")
	// ErrNoHAProxy is returned when no haproxy binary is installed.
	ErrNoHAProxy = errors.New("testrig: haproxy not found (apt-get install haproxy)")
	// ErrHAProxyStart is returned when HAProxy did not start listening.
	ErrHAProxyStart = errors.New("testrig: haproxy did not start")

	// errNotListening: a peer did not accept connections within the
	// wait's limit (the caller says which peer, with its output).
	errNotListening = errors.New("testrig: not listening")
)
