package holdfast

import "holdfast/internal/sockopt"

func (c *econn) sockOptions() (sockopt.Options, error) { return sockopt.ReadFD(c.fd) }
