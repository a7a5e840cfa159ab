package demo

import (
	"container/list"
	"sync"
)

// Bounds on what the site remembers. A browser's page load makes a few dozen
// requests, so these hold a thousand loads of a few kilobytes each.
const (
	maxLoads          = 1000
	maxEntriesPerLoad = 500
)

// connRef names the connection that carried a request; ok is false when the
// server could not say.
type connRef struct {
	id uint64
	ok bool
}

// entry is one sub-resource request made for a load.
type entry struct {
	conn connRef
	path string // one of the catalog's paths: shared, never copied
}

// loadLog is what one page load has requested so far. Its fields are guarded
// by the owning store's mu.
type loadLog struct {
	id       string
	page     connRef // the connection that carried the page itself
	entries  []entry
	dropped  int // requests past maxEntries, counted but not kept
	position *list.Element
}

// store keeps the logs of the most recently used loads.
type store struct {
	maxLoads   int // read-only
	maxEntries int // read-only

	mu    sync.Mutex
	loads map[string]*loadLog // guarded by mu
	order *list.List          // of *loadLog, most recently used first; guarded by mu
}

func newStore(maxLoads, maxEntries int) *store {
	return &store{
		maxLoads:   max(maxLoads, 1),
		maxEntries: max(maxEntries, 0),
		loads:      make(map[string]*loadLog),
		order:      list.New(),
	}
}

// begin starts the log of a new load whose page came over page, evicting the
// least recently used load if the store is full.
func (s *store) begin(id string, page connRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.loads[id]; ok {
		s.order.Remove(old.position)
	}
	l := &loadLog{id: id, page: page}
	l.position = s.order.PushFront(l)
	s.loads[id] = l
	for s.order.Len() > s.maxLoads {
		s.evictOldest()
	}
}

func (s *store) evictOldest() {
	oldest := s.order.Back()
	l := s.order.Remove(oldest).(*loadLog)
	delete(s.loads, l.id)
}

// record notes a request for path made under load id. Requests under IDs the
// store does not hold are ignored, so made-up IDs cannot grow it.
func (s *store) record(id string, conn connRef, path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.loads[id]
	if !ok {
		return false
	}
	s.order.MoveToFront(l.position)
	if len(l.entries) >= s.maxEntries {
		l.dropped++
		return true
	}
	l.entries = append(l.entries, entry{conn: conn, path: path})
	return true
}

// snapshot copies what load id has recorded, so the caller can build a report
// without holding the lock.
func (s *store) snapshot(id string) (page connRef, entries []entry, dropped int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.loads[id]
	if !ok {
		return connRef{}, nil, 0, false
	}
	s.order.MoveToFront(l.position)
	return l.page, append([]entry(nil), l.entries...), l.dropped, true
}

// len is the number of loads held.
func (s *store) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.loads)
}
