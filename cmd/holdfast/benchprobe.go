package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// What the bench and probe commands share: one URL among the flags and
// the same JSON output.

// parseURL parses the flags in args, before or after the one URL, and
// returns the URL.
func parseURL(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	switch len(pos) {
	case 0:
		return "", errors.New("no URL given")
	case 1:
		return pos[0], nil
	}
	return "", fmt.Errorf("one URL expected, got %d: %s", len(pos), strings.Join(pos, " "))
}

// writeJSON prints a report for --json.
func writeJSON(w io.Writer, report any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}
