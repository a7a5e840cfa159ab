// Package config reads holdfast's configuration file (holdfast run and
// holdfast check): its listeners, their routes by host and path prefix to a
// static directory, an upstream group or a redirect, the upstream groups,
// and the settings of the process.
//
// The file is YAML, read strictly: an unknown key, a value of the wrong
// kind, a reference to an upstream group that is not defined or two
// listeners on one address is an error that says where it is
// (file:line:column), what is wrong and what was expected; every error of
// a file is reported, not just the first.
//
// Settings are the command line's flags under the same names, with the
// same defaults: a listener takes holdfast serve's front-side flags
// (idle-timeout, max-requests, tls-cert, ...), an upstream group takes
// holdfast proxy's upstream flags without "upstream" in their names
// (idle-timeout for --upstream-idle-timeout), the top level the flags of
// the process (admin, drain-timeout, log-format, ...). A Setting holds the
// flag's name and the text that flag reads, so that the command applies a
// file with the very flag definitions it parses its command line with,
// and the defaults, limits and conversions stay written once.
//
// Relative paths in the file (static directories, certificates, logs, the
// pid file) are relative to the file's directory.
package config
