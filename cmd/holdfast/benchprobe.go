package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// What the bench and probe commands share: one URL among the flags, the
// same exit codes and one-line errors, and the same JSON output.

// parseInterspersed parses flags wherever they are, so that both
// "bench -c 8 URL" and "bench URL -c 8" work, and returns the one URL.
func parseInterspersed(fs *flag.FlagSet, args []string) (string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	switch len(pos) {
	case 0:
		return "", errors.New("no URL given")
	case 1:
		return pos[0], nil
	}
	return "", fmt.Errorf("one URL expected, got %d: %s", len(pos), strings.Join(pos, " "))
}

// usageError answers a command line that could not be parsed: --help
// prints the usage and exits 0, anything else is one line on stderr and
// exit code 2.
func usageError(cmd, usage string, err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "holdfast %s: %v (see holdfast %s --help)\n", cmd, err, cmd)
	return 2
}

// runError reports a failed run as one line on stderr, exit code 1,
// without the "bench: " or "probe: " that the package's errors start with:
// the line names the command already.
func runError(cmd string, err error, stderr io.Writer) int {
	fmt.Fprintf(stderr, "holdfast %s: %s\n", cmd, strings.TrimPrefix(err.Error(), cmd+": "))
	return 1
}

// writeJSON prints a report for --json.
func writeJSON(w io.Writer, report any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

// secondsFlag is a duration that also accepts a bare number of seconds.
type secondsFlag time.Duration

func (s *secondsFlag) String() string { return time.Duration(*s).String() }

func (s *secondsFlag) Set(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		*s = secondsFlag(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration (like 10s, 1m30s, or a number of seconds)", v)
	}
	*s = secondsFlag(d)
	return nil
}
