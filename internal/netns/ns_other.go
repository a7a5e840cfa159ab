//go:build !linux

package netns

// enter fails: only Linux has network namespaces. New skips before any
// host exists, so this is reached only by misuse.
func enter(string) (func() error, error) { return nil, ErrUnsupported }

// effectiveCaps is meaningless off Linux; New skips on GOOS first.
func effectiveCaps() uint64 { return 0 }
