// Package ratelog keeps a flood of identical log records from drowning a
// log. Its Handler, wrapped around another slog.Handler, lets the first
// record with a given level and message through, then at most one per
// interval; the next one it lets through carries the number it dropped
// meanwhile (attribute "suppressed"). Records are told apart by message
// alone, so callers log a constant message and put what varies in
// attributes.
package ratelog
