package holdfast

import "holdfast/internal/sockopt"

func (c *loopConn) sockOptions() (sockopt.Options, error) { return sockopt.ReadFD(c.fd) }
