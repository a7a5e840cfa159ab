package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/setting"
)

// setting reads the value of a key that stands for a flag, checked as
// the flag checks it, and returns it as the text the flag reads.
func (d *decoder) setting(k key, p pair) (Setting, bool) {
	s := Setting{Flag: k.flag, Key: k.name}
	text, isString, ok := d.scalar(p, expectation(k))
	if !ok {
		return s, false
	}
	s.Pos = valuePos(p)
	value, err := d.checkValue(k, text, isString)
	if err != nil {
		d.fail(s.Pos, p.path, ErrBadValue, "%s", err)
		return s, false
	}
	s.Value = value
	return s, true
}

// valuePos is where a pair's value is, or its key when it has none.
func valuePos(p pair) Pos {
	if p.value == nil {
		return p.keyAt
	}
	return at(p.value)
}

// expectation says what a key takes, for a message.
func expectation(k key) string {
	switch k.kind {
	case durationKind:
		return "a duration (like 90s, 1m30s, 250ms, or a number of seconds; 0 for no limit)"
	case positiveDurationKind:
		return "a duration above zero (like 90s, 1m30s, 250ms, or a number of seconds)"
	case countKind:
		return fmt.Sprintf("a whole number, at least %d", k.min)
	case boolKind:
		return "true or false"
	case enumKind:
		return "one of " + strings.Join(k.values, ", ")
	case addressKind:
		return "an address, host:port"
	case fileKind:
		return "the path of a file"
	case outputKind:
		return `the path of a file, or "-" for standard output`
	case urlPathKind:
		return `a path starting with "/"`
	}
	return "a value"
}

// checkValue checks a key's value and returns it as its flag reads it.
func (d *decoder) checkValue(k key, text string, isString bool) (string, error) {
	wrong := func(detail string) error {
		if detail != "" {
			detail = ": " + detail
		}
		return fmt.Errorf("%q%s; expected %s", text, detail, expectation(k))
	}
	switch k.kind {
	case durationKind, positiveDurationKind:
		dur, err := setting.ParseDuration(text)
		switch {
		case err == setting.ErrTooLong:
			return "", wrong("too long")
		case err != nil:
			return "", wrong("")
		case dur < 0:
			return "", wrong("negative")
		case dur == 0 && k.kind == positiveDurationKind:
			return "", wrong("zero")
		}
		return dur.String(), nil
	case countKind:
		n, err := strconv.ParseInt(text, 10, 64)
		switch {
		case err != nil || isString:
			return "", wrong("")
		case n < k.min:
			return "", wrong("too small")
		}
		return strconv.FormatInt(n, 10), nil
	case boolKind:
		if isString || (text != "true" && text != "false") {
			return "", wrong("")
		}
		return text, nil
	case enumKind:
		if !slices.Contains(k.values, text) {
			return "", wrong("")
		}
		return text, nil
	case addressKind:
		return text, checkAddress(text)
	case fileKind:
		return d.existingFile(text)
	case outputKind:
		if text == "-" || text == "" {
			return text, nil
		}
		return d.abs(text), nil
	case urlPathKind:
		if !strings.HasPrefix(text, "/") {
			return "", wrong("")
		}
		return text, nil
	}
	return text, nil
}

// checkAddress checks a host:port, with a numeric port.
func checkAddress(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not an address; expected host:port (127.0.0.1:8080, :8080, [::1]:8080)", addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// abs makes a path of the file absolute, from the file's directory.
func (d *decoder) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(d.dir, path)
}

func (d *decoder) existingFile(text string) (string, error) {
	path := d.abs(text)
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %v; expected the path of a readable file", text, unwrapPath(err))
	case st.IsDir():
		return "", fmt.Errorf("%s is a directory; expected the path of a file", text)
	}
	return path, nil
}

func (d *decoder) existingDir(text string) (string, error) {
	path := d.abs(text)
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %v; expected the path of a directory", text, unwrapPath(err))
	case !st.IsDir():
		return "", fmt.Errorf("%s is not a directory; expected the path of a directory", text)
	}
	return path, nil
}

// unwrapPath drops the path and operation of an *os.PathError, which the
// message says already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// duration reads a key with no flag that takes a duration (zero allowed).
func (d *decoder) duration(p pair) time.Duration {
	k := key{name: p.key, kind: durationKind}
	s, ok := d.setting(k, p)
	if !ok {
		return 0
	}
	dur, _ := time.ParseDuration(s.Value)
	return dur
}
