//go:build !unix

package holdfast

// headWaiter is not used here: head waits read through the connection
// into the exchange's buffer, which the connection keeps.
type headWaiter struct{}

func (g *goroutineConn) initHeadWaits() {}

func (g *goroutineConn) readHeadBytes() (int, error) { return g.readThrough() }
