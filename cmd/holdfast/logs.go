package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// serveLogs are the loggers of serve and proxy, all in one format: errors (standard
// error, at the chosen level), and the access and connection logs when
// asked for (nil otherwise).
type serveLogs struct {
	errors, access, connections *slog.Logger
	files                       []*os.File
}

// checkLogFlags refuses a format or level the commands do not know.
func checkLogFlags(cfg *frontConfig) error {
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return fmt.Errorf("--log-format %s: want text or json", cfg.logFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("--log-level %s: want debug, info, warn or error", cfg.logLevel)
	}
	return nil
}

// openLogs makes the loggers; stderr receives the error log.
func openLogs(cfg *frontConfig, stderr io.Writer) (*serveLogs, error) {
	logs := &serveLogs{errors: errorLogger(cfg, stderr)}
	for _, l := range []struct {
		path string
		into **slog.Logger
		flag string
	}{{cfg.accessLog, &logs.access, "--access-log"}, {cfg.connectionLog, &logs.connections, "--connection-log"}} {
		w, err := logs.open(l.path)
		if err != nil {
			logs.close()
			return nil, fmt.Errorf("%s: %w", l.flag, err)
		}
		if w != nil {
			*l.into = newLogger(w, cfg.logFormat, slog.LevelInfo)
		}
	}
	return logs, nil
}

// errorLogger is the error log the flags ask for, on stderr.
func errorLogger(cfg *frontConfig, stderr io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.logLevel)) // checked by checkLogFlags
	return newLogger(stderr, cfg.logFormat, level)
}

// open opens a log's file for appending; "-" is standard output, "" no
// log at all (nil).
func (logs *serveLogs) open(path string) (io.Writer, error) {
	switch path {
	case "":
		return nil, nil
	case "-":
		return os.Stdout, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	logs.files = append(logs.files, f)
	return f, nil
}

func (logs *serveLogs) close() error {
	var errs []error
	for _, f := range logs.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
