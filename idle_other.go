//go:build !unix

package holdfast

// idleWaiter is not used here: the idle wait reads through the connection
// into the exchange's buffer.
type idleWaiter struct{}

func (g *goroutineConn) initIdle() {}

func (g *goroutineConn) readIdle() (int, error) {
	return g.ex.in.readFrom(g.nc.Read, headBufferLimit(&g.ex.parser))
}
