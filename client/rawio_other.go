//go:build !linux

package client

// flushAwait writes c.wbuf; the write-and-wait of the Linux build is not
// used here.
func (c *persistConn) flushAwait() error { return c.flush() }

// sendStep is not used here.
func (c *persistConn) sendStep(uintptr) bool { return true }
