package holdfast

// SetPolicy changes the keep-alive policy of a server, serving or not; the
// Policy field keeps what the server was made with. A connection reads
// the policy each time it needs it, so connections already open follow
// the new one from their next step on: the hold time of their next idle
// wait, the header timeout of their next request, the request cap, age
// cap and Keep-Alive hint of their next response. None is closed by the
// change itself; one that is over a new cap closes after its next
// response, as it would have under that cap. The connection caps
// (MaxConns, MaxConnsPerIP) and MinBodyRate apply from the next
// connection, or the next body read, on.
//
// The TCP options apply to connections accepted from then on (on the
// epoll engine they are set again on the listeners, which accepted
// sockets inherit them from; an error doing so is returned, the policy
// being in force regardless). HTTP/2 connections keep the idle timeout
// the server's HTTP/2 side started with.
func (s *Server) SetPolicy(p Policy) error {
	s.init()
	pol := p.resolve()
	s.policy.Store(&pol)
	return s.applyListenerOptions(pol.sock)
}
