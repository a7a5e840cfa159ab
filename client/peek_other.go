//go:build !linux

package client

// peekAlive falls back to the portable check: a read with a one
// millisecond deadline, which must time out.
func (c *persistConn) peekAlive() bool { return c.peekDeadline() }

// peekFD is not used here.
func (c *persistConn) peekFD(uintptr) {}
