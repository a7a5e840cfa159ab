package setting

import "errors"

// Errors of ParseDuration. Their text completes a message that names the
// flag or the key that was given the value ("--idle-timeout soon: not a
// duration ..."), so it carries no prefix of its own.
var (
	ErrNotDuration = errors.New("not a duration (like 90s, 1m30s, 250ms, or a number of seconds)")
	ErrTooLong     = errors.New("too long")
)
