//go:build !unix

package holdfast

import "net"

// hasInput cannot look into the socket here: a close that races a
// request may reset it.
func hasInput(net.Conn) bool { return false }
