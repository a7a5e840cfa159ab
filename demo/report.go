package demo

// report is the JSON answer of /demo/report. Requests counts the sub-resource
// requests recorded for the load; the page itself and the report request are
// not among them, and are named separately by PageConnection and
// ReportConnection.
type report struct {
	Load          string      `json:"load"`
	Requests      int         `json:"requests"`
	Connections   int         `json:"connections"`
	PerConnection []connUsage `json:"per_connection"`
	// Unattributed requests came over a connection the server could not name;
	// they are in Requests but in no PerConnection entry.
	Unattributed int `json:"unattributed"`
	// Dropped requests came after the load's log was full; they are not in
	// Requests.
	Dropped          int     `json:"dropped"`
	PageConnection   *uint64 `json:"page_connection,omitempty"`
	ReportConnection *uint64 `json:"report_connection,omitempty"`
	// Protocol is the report request's ("HTTP/1.1", "HTTP/2.0"), and Mode
	// the page's row in the side-by-side table (see mode).
	Protocol string `json:"protocol,omitempty"`
	Mode     string `json:"mode,omitempty"`
}

// connUsage is what one TCP connection carried for a load, in the order the
// requests arrived.
type connUsage struct {
	ID       uint64   `json:"id"`
	Requests int      `json:"requests"`
	Paths    []string `json:"paths"`
}

// buildReport groups a load's requests by connection, connections in the
// order of their first request.
func buildReport(load string, page, self connRef, entries []entry, dropped int) report {
	r := report{
		Load:             load,
		Requests:         len(entries),
		PerConnection:    []connUsage{},
		Dropped:          dropped,
		PageConnection:   page.ptr(),
		ReportConnection: self.ptr(),
	}
	index := make(map[uint64]int) // connection ID -> position in PerConnection
	for _, e := range entries {
		if !e.conn.ok {
			r.Unattributed++
			continue
		}
		i, seen := index[e.conn.id]
		if !seen {
			i = len(r.PerConnection)
			index[e.conn.id] = i
			r.PerConnection = append(r.PerConnection, connUsage{ID: e.conn.id})
		}
		u := &r.PerConnection[i]
		u.Requests++
		u.Paths = append(u.Paths, e.path)
	}
	r.Connections = len(r.PerConnection)
	return r
}

// ptr is the connection's ID for an omitempty JSON field: nil when unknown.
func (c connRef) ptr() *uint64 {
	if !c.ok {
		return nil
	}
	id := c.id
	return &id
}
