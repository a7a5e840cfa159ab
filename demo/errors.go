package demo

import "errors"

// Errors the report endpoint answers with, as {"error": "..."}.
var (
	errMissingLoad = errors.New("demo: missing load parameter")
	errUnknownLoad = errors.New("demo: unknown load (never issued, or evicted)")
)
