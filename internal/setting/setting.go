// Package setting resolves the fields of the public configuration structs,
// the server's Policy and the client's Transport, which share one
// convention: zero means the default documented on the field, and a
// negative value means "none" (no limit, or the system's value); and it
// reads durations as the command line and the configuration file give
// them (ParseDuration).
package setting

// Or resolves one field: zero takes def, a negative value becomes zero
// ("none"), and anything else is kept.
func Or[T ~int | ~int64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
