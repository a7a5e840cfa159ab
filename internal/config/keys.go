package config

// The keys of each section. A key names the command-line flag it stands
// for (flag) and the kind of value that flag reads; the limits are the
// flags' own, and a test of the command compares both tables.

// kind is the kind of value a key takes.
type kind int

const (
	durationKind         kind = iota // a duration, zero allowed (it means "no limit")
	positiveDurationKind             // a duration above zero
	countKind                        // a whole number at least min
	boolKind                         // true or false
	enumKind                         // one of values
	addressKind                      // host:port
	fileKind                         // an existing file, read
	outputKind                       // a file to append to, "-" for standard output
	urlPathKind                      // a path starting with "/"
)

// key is one key of a section.
type key struct {
	name   string
	flag   string
	kind   kind
	min    int64    // countKind
	values []string // enumKind
}

var engines = []string{"auto", "goroutine", "epoll"}

// topKeys are the keys of the file's top level that are flags.
var topKeys = []key{
	{name: "admin", flag: "admin", kind: addressKind},
	{name: "drain-timeout", flag: "drain-timeout", kind: positiveDurationKind},
	{name: "log-format", flag: "log-format", kind: enumKind, values: []string{"text", "json"}},
	{name: "log-level", flag: "log-level", kind: enumKind, values: []string{"debug", "info", "warn", "error"}},
	{name: "access-log", flag: "access-log", kind: outputKind},
	{name: "connection-log", flag: "connection-log", kind: outputKind},
}

// topOnlyKeys are the top level's keys that have no flag, and its sections.
var topOnlyKeys = []string{"drain-delay", "pid-file", "listeners", "upstreams"}

// listenerKeys are a listener's keys that are holdfast serve's flags.
var listenerKeys = []key{
	{name: "engine", flag: "engine", kind: enumKind, values: engines},
	{name: "max-body", flag: "max-body", kind: countKind},
	{name: "idle-timeout", flag: "idle-timeout", kind: durationKind},
	{name: "header-timeout", flag: "header-timeout", kind: durationKind},
	{name: "body-timeout", flag: "body-timeout", kind: durationKind},
	{name: "send-timeout", flag: "send-timeout", kind: durationKind},
	{name: "max-requests", flag: "max-requests", kind: countKind},
	{name: "max-age", flag: "max-age", kind: durationKind},
	{name: "drain-limit", flag: "drain-limit", kind: countKind},
	{name: "max-conns", flag: "max-conns", kind: countKind},
	{name: "max-conns-per-ip", flag: "max-conns-per-ip", kind: countKind},
	{name: "min-body-rate", flag: "min-body-rate", kind: countKind},
	{name: "no-keepalive", flag: "no-keepalive", kind: boolKind},
	{name: "no-keepalive-header", flag: "no-keepalive-header", kind: boolKind},
	{name: "no-tcp-keepalive", flag: "no-tcp-keepalive", kind: boolKind},
	{name: "tcp-keepalive-idle", flag: "tcp-keepalive-idle", kind: positiveDurationKind},
	{name: "tcp-keepalive-interval", flag: "tcp-keepalive-interval", kind: positiveDurationKind},
	{name: "tcp-keepalive-count", flag: "tcp-keepalive-count", kind: countKind, min: 1},
	{name: "tcp-user-timeout", flag: "tcp-user-timeout", kind: durationKind},
	{name: "classic-tcp-keepalive", flag: "classic-tcp-keepalive", kind: boolKind},
	{name: "tls-cert", flag: "tls-cert", kind: fileKind},
	{name: "tls-key", flag: "tls-key", kind: fileKind},
	{name: "tls-self-signed", flag: "tls-self-signed", kind: boolKind},
	{name: "no-h2", flag: "no-h2", kind: boolKind},
	{name: "handshake-timeout", flag: "handshake-timeout", kind: durationKind},
}

// listenerOnlyKeys are a listener's keys that have no flag.
var listenerOnlyKeys = []string{"listen", "routes"}

// upstreamKeys are an upstream group's keys that are holdfast proxy's
// flags, named without "upstream".
var upstreamKeys = []key{
	{name: "balance", flag: "balance", kind: enumKind, values: []string{"random-two", "round-robin", "least-requests"}},
	{name: "preserve-host", flag: "preserve-host", kind: boolKind},
	{name: "idle-timeout", flag: "upstream-idle-timeout", kind: durationKind},
	{name: "max-idle", flag: "upstream-max-idle", kind: countKind},
	{name: "max-conns", flag: "upstream-max-conns", kind: countKind},
	{name: "timeout", flag: "upstream-timeout", kind: durationKind},
	{name: "dial-timeout", flag: "upstream-dial-timeout", kind: positiveDurationKind},
	{name: "retries", flag: "upstream-retries", kind: countKind},
	{name: "eject-after", flag: "eject-after", kind: countKind, min: 1},
	{name: "health-path", flag: "health-path", kind: urlPathKind},
	{name: "health-interval", flag: "health-interval", kind: positiveDurationKind},
	{name: "no-tcp-keepalive", flag: "no-upstream-tcp-keepalive", kind: boolKind},
	{name: "tcp-keepalive-idle", flag: "upstream-tcp-keepalive-idle", kind: positiveDurationKind},
	{name: "tcp-keepalive-interval", flag: "upstream-tcp-keepalive-interval", kind: positiveDurationKind},
	{name: "tcp-keepalive-count", flag: "upstream-tcp-keepalive-count", kind: countKind, min: 1},
	{name: "tcp-user-timeout", flag: "upstream-tcp-user-timeout", kind: durationKind},
}

// upstreamOnlyKeys are an upstream group's keys that have no flag: urls
// are --upstream's values.
var upstreamOnlyKeys = []string{"urls"}

// routeKeys are a route's keys.
var routeKeys = []string{"host", "path", "static", "upstream", "redirect", "status"}

// FlagKeys lists, for each section ("top", "listener", "upstream"), the
// keys that stand for flags: key name to flag name. The command's tests
// hold them against its flag sets.
func FlagKeys() map[string]map[string]string {
	out := map[string]map[string]string{}
	for section, keys := range map[string][]key{"top": topKeys, "listener": listenerKeys, "upstream": upstreamKeys} {
		out[section] = map[string]string{}
		for _, k := range keys {
			out[section][k.name] = k.flag
		}
	}
	return out
}

// keyNames lists a section's keys for a message.
func keyNames(keys []key, only []string) []string {
	names := append([]string(nil), only...)
	for _, k := range keys {
		names = append(names, k.name)
	}
	return names
}

func lookupKey(keys []key, name string) (key, bool) {
	for _, k := range keys {
		if k.name == name {
			return k, true
		}
	}
	return key{}, false
}
