package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"holdfast/internal/setting"
)

// The command line as every command reads it. Flags and arguments come in
// any order ("serve DIR --listen ADDR" as well as "serve --listen ADDR
// DIR"); a message spells a flag as the help does (-c, --listen); every
// duration flag reads the same way (durationValue); and a value out of
// bounds is refused when it is set, so that the message names its flag.

// parseArgs sets the flags of fs found in args and returns the other
// arguments, in order. A flag's value follows it ("--listen ADDR") or is
// attached with "=" ("--listen=ADDR"); a boolean flag takes a value only
// when attached. One dash or two may start any flag. "--" ends the flags:
// what follows is arguments. -h, -help and --help, unless fs defines them,
// return flag.ErrHelp.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(positional, args[i+1:]...), nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			positional = append(positional, arg)
			continue
		}
		name, value, attached := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		f := fs.Lookup(name)
		switch {
		case f == nil && (name == "h" || name == "help"):
			return nil, flag.ErrHelp
		case f == nil:
			return nil, fmt.Errorf("unknown flag %s", strings.SplitN(arg, "=", 2)[0])
		case !attached && isBoolFlag(f):
			value = "true"
		case !attached && i+1 == len(args):
			return nil, fmt.Errorf("%s needs a value", flagName(name))
		case !attached:
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, badValue(f, value, err)
		}
	}
	return positional, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// badValue says which flag refused which value, and why.
func badValue(f *flag.Flag, value string, err error) error {
	if isBoolFlag(f) {
		return fmt.Errorf("%s=%s: want true or false", flagName(f.Name), value)
	}
	if value == "" {
		value = `""`
	}
	return fmt.Errorf("%s %s: %w", flagName(f.Name), value, err)
}

// flagName spells a flag as the help does: one dash for a one-letter
// flag, two for the others.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// durationValue is a duration flag. Every duration flag of every command
// reads the same values: what time.ParseDuration reads ("90s", "1m30s",
// "250ms") or a bare number, which counts seconds ("90", "0.5"), as
// timeouts are usually given. A negative duration is refused, and so is
// zero unless zeroOK (the flag's help then says what zero means).
type durationValue struct {
	d      *time.Duration
	zeroOK bool
}

// durationVar defines a duration flag whose value may be zero.
func durationVar(fs *flag.FlagSet, d *time.Duration, name string, def time.Duration, usage string) {
	*d = def
	fs.Var(&durationValue{d: d, zeroOK: true}, name, usage)
}

// positiveDurationVar defines a duration flag that must be above zero.
func positiveDurationVar(fs *flag.FlagSet, d *time.Duration, name string, def time.Duration, usage string) {
	*d = def
	fs.Var(&durationValue{d: d}, name, usage)
}

var (
	errNegative = errors.New("must not be negative")
	errZero     = errors.New("must be more than zero")
)

func (v *durationValue) Set(s string) error {
	d, err := setting.ParseDuration(s)
	switch {
	case err != nil:
		return err
	case d < 0:
		return errNegative
	case d == 0 && !v.zeroOK:
		return errZero
	}
	*v.d = d
	return nil
}

func (v *durationValue) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v *durationValue) argName() string { return "DURATION" }

// numberValue is a numeric flag with a lower bound.
type numberValue[T int | int64 | float64] struct {
	n   *T
	min T
}

// numberVar defines a numeric flag whose values start at min.
func numberVar[T int | int64 | float64](fs *flag.FlagSet, n *T, name string, def, min T, usage string) {
	*n = def
	fs.Var(&numberValue[T]{n: n, min: min}, name, usage)
}

func (v *numberValue[T]) Set(s string) error {
	n, err := parseNumber[T](s)
	switch {
	case err != nil:
		return err
	case n < v.min && v.min == 0:
		return errNegative
	case n < v.min:
		return fmt.Errorf("must be at least %v", v.min)
	}
	*v.n = n
	return nil
}

func parseNumber[T int | int64 | float64](s string) (T, error) {
	var n T
	if _, isFloat := any(n).(float64); isFloat {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, errors.New("not a number")
		}
		return T(f), nil
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil || int64(T(i)) != i {
		if errors.Is(err, strconv.ErrSyntax) {
			return 0, errors.New("not a whole number")
		}
		return 0, errors.New("out of range")
	}
	return T(i), nil
}

func (v *numberValue[T]) String() string {
	if v.n == nil {
		return "0"
	}
	return fmt.Sprint(*v.n)
}

func (v *numberValue[T]) argName() string { return "N" }

// listValue collects a repeatable flag.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ", ") }

func (l *listValue) Set(v string) error {
	*l = append(*l, v)
	return nil
}
