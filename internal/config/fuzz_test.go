package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"holdfast/internal/config"
)

// Parse never panics, and what it refuses it refuses with errors that
// each say where, within the file, and what kind.
func FuzzParse(f *testing.F) {
	f.Add(goodFile)
	f.Add(listener("    idle-timeout: soon\n"))
	f.Add("listeners:\n  - &l\n    listen: 127.0.0.1:0\n    routes: [{static: .}]\n  - *l\n")
	f.Add("a: [\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(os.TempDir(), "holdfast-fuzz", "holdfast.yaml")
		_, err := config.Parse(path, []byte(text))
		if err == nil {
			return
		}
		// YAML breaks lines at \n, \r\n and a lone \r.
		lines := strings.Count(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n") + 1
		for _, e := range unjoin(err) {
			var ce *config.Error
			if !errors.As(e, &ce) || ce.Kind == nil || ce.Msg == "" {
				t.Fatalf("error %q is not a *config.Error with a kind and a message", e)
			}
			if ce.Pos.Line > lines+1 || ce.Pos.Line < 0 || ce.Pos.Column < 0 {
				t.Fatalf("error %q at %v, outside a file of %d lines", e, ce.Pos, lines)
			}
		}
	})
}

// unjoin lists the errors errors.Join put together.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
