package holdfast

import (
	"runtime"
	"sync"
)

// connShard is one group of the goroutine engine's connections with its
// counts. Connections are spread over the shards by ID, so that accepting,
// closing and gathering take one shard's lock, never one lock for the
// whole server, and serving a request takes none.
type connShard struct {
	mu     sync.Mutex
	conns  map[*goroutineConn]struct{} // guarded by mu
	tally  tally                       // guarded by mu
	idle   atomicHistogram             // atomic: observed by the connections' goroutines
	idlers idleList                    // guarded by mu: connections waiting for their next request, oldest first (shed.go)

	_ [64]byte // keeps neighbouring shards' locks off one cache line
}

// newShards makes the goroutine engine's shards: a few per processor.
func newShards() []connShard {
	shards := make([]connShard, 4*runtime.GOMAXPROCS(0))
	for i := range shards {
		shards[i].conns = make(map[*goroutineConn]struct{})
	}
	return shards
}

func (s *Server) shardOf(id uint64) *connShard { return &s.shards[id%uint64(len(s.shards))] }

// admit counts an accepted connection and adds it to the shard. A
// connection accepted as the server closes is admitted too: its client
// may have sent a request already, which a close would turn into a reset;
// it is awaited a moment for that request and answers it with
// Connection: close (conn.firstRequestDue).
func (sh *connShard) admit(g *goroutineConn) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.tally.accepted++
	sh.conns[g] = struct{}{}
}

// remove takes a connection that ended out of the shard and accounts for
// it, in one step: a gather sees it either open or in the tally.
func (sh *connShard) remove(g *goroutineConn, now int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.unlinkIdle(g)
	delete(sh.conns, g)
	g.account(&sh.tally, now)
}

// gather adds the shard's counts and its open connections' figures.
func (sh *connShard) gather(into *gathered) {
	sh.mu.Lock()
	into.tally.add(&sh.tally)
	for g := range sh.conns {
		into.addOpen(&g.conn)
	}
	sh.mu.Unlock()
	sh.idle.load(&into.idle)
}

// appendConns appends the shard's connections to list.
func (sh *connShard) appendConns(list []*goroutineConn) []*goroutineConn {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for g := range sh.conns {
		list = append(list, g)
	}
	return list
}

// goroutineConns lists the goroutine engine's open connections.
func (s *Server) goroutineConns() []*goroutineConn {
	var list []*goroutineConn
	for i := range s.shards {
		list = s.shards[i].appendConns(list)
	}
	return list
}
