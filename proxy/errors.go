package proxy

import "errors"

// Errors returned by the package. The "holdfast/proxy: " prefix says where
// they come from when they surface in a caller's logs.
var (
	// ErrNoUpstreams is returned by New for a Config without upstreams.
	ErrNoUpstreams = errors.New("holdfast/proxy: no upstreams")

	// ErrBadUpstream is returned (wrapped, with the URL) by New for an
	// upstream URL that is not http://host[:port][/path].
	ErrBadUpstream = errors.New("holdfast/proxy: bad upstream URL")

	// ErrUnknownBalance is returned by ParseBalance for a name it does
	// not know.
	ErrUnknownBalance = errors.New("holdfast/proxy: unknown balancing mode")
)

// Errors that stay inside the package.
var (
	errNotReplayable = errors.New("holdfast/proxy: request body read past the replay buffer")
	errNoHealthy     = errors.New("holdfast/proxy: no healthy upstream")
	errNoUpgrade     = errors.New("holdfast/proxy: the client connection cannot be taken over for a tunnel")
)
