package config

import (
	"errors"
	"fmt"
)

// The kinds of error a file can have; every *Error wraps one of them. The
// "config: " prefix says where they come from when they surface on their
// own.
var (
	// ErrSyntax: the file is not YAML.
	ErrSyntax = errors.New("config: not valid YAML")
	// ErrUnknownKey: a key the section does not have.
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrBadValue: a value of the wrong kind or out of bounds, or keys
	// that do not go together.
	ErrBadValue = errors.New("config: bad value")
	// ErrMissing: a required key or value is not there.
	ErrMissing = errors.New("config: missing")
	// ErrUnknownUpstream: a route names an upstream group the file does
	// not define.
	ErrUnknownUpstream = errors.New("config: unknown upstream group")
	// ErrDuplicate: a key, a listener's address or a route given twice.
	ErrDuplicate = errors.New("config: given twice")
	// ErrUnreadable: the file cannot be read.
	ErrUnreadable = errors.New("config: cannot read the file")
)

// Pos is a place in the file, 1-based.
type Pos struct {
	Line, Column int
}

// Error is one thing wrong with a file, and where.
type Error struct {
	File string
	Pos  Pos
	Path string // where in the file's structure: "listeners[0].routes[2].upstream"
	Msg  string // what is wrong, and what was expected
	Kind error  // ErrSyntax, ErrUnknownKey, ...
}

func (e *Error) Error() string {
	where := e.File
	if e.Pos.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Pos.Line, e.Pos.Column)
	}
	if e.Path == "" {
		return where + ": " + e.Msg
	}
	return where + ": " + e.Path + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Kind }

// maxErrors bounds the errors reported for one file: past them, the rest
// is likely a consequence of the first.
const maxErrors = 20
