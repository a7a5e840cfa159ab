package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionUsage = `Usage: holdfast version   (or holdfast --version)

Prints what this binary was built from: the module version, the commit it
was built at (for a build from a clone the version names it) marked dirty
when the working copy had uncommitted changes, and the Go release that
built it.
`

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	rest, err := parseArgs(fs, args)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("takes no arguments, got %q", strings.Join(rest, " "))
	}
	if err != nil {
		return usageError("version", printText(versionUsage), err, stdout, stderr)
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info))
	return exitOK
}

// versionLine describes a build in one line, such as
// "holdfast v0.0.0-20260102030405-7a3c0d5e1f2b+dirty, go1.26.0 linux/amd64"
// or "holdfast (devel) 7a3c0d5e1f2b (dirty), go1.26.0 linux/amd64"; info
// may be nil (a binary built without module support).
func versionLine(info *debug.BuildInfo) string {
	version, goVersion := "(devel)", runtime.Version()
	var revision string
	var dirty bool
	if info != nil {
		if v := info.Main.Version; v != "" {
			version = v
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "holdfast " + version
	// The go command names the commit in the version it stamps on a
	// build from a clone ("v0.0.0-20260102030405-7a3c0d5e1f2b+dirty"),
	// but not on every build.
	if short := revision[:min(len(revision), 12)]; short != "" && !strings.Contains(version, short) {
		line += " " + short
		if dirty {
			line += " (dirty)"
		}
	}
	return fmt.Sprintf("%s, %s %s/%s", line, goVersion, runtime.GOOS, runtime.GOARCH)
}
