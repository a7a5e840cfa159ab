//go:build !linux

package holdfast

// peekAlive falls back to the portable check: a read with a one
// millisecond deadline, which must time out.
func (c *tconn) peekAlive() bool { return c.peekDeadline() }

// peekFD is not used here.
func (c *tconn) peekFD(uintptr) {}
