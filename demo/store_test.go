package demo

import (
	"fmt"
	"sync"
	"testing"
)

func TestStoreEvictsLeastRecentlyUsed(t *testing.T) {
	s := newStore(3, 10)
	conn := connRef{id: 1, ok: true}
	for _, id := range []string{"a", "b", "c"} {
		s.begin(id, conn)
	}
	s.record("a", conn, "/x") // a is now the most recently used; b the least
	s.begin("d", conn)
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, _, _, ok := s.snapshot(id); ok != want {
			t.Errorf("load %s held = %v, want %v", id, ok, want)
		}
	}
	if s.len() != 3 {
		t.Errorf("len = %d, want 3", s.len())
	}
}

func TestStoreCapsEntriesPerLoad(t *testing.T) {
	s := newStore(2, 5)
	s.begin("a", connRef{})
	for i := range 12 {
		if !s.record("a", connRef{id: uint64(i), ok: true}, "/x") {
			t.Fatal("record on a held load returned false")
		}
	}
	_, entries, dropped, _ := s.snapshot("a")
	if len(entries) != 5 || dropped != 7 {
		t.Errorf("kept %d, dropped %d; want 5 and 7", len(entries), dropped)
	}
	if s.record("zz", connRef{}, "/x") || s.len() != 1 {
		t.Errorf("a request under an unknown load was kept (len %d)", s.len())
	}
}

func TestStoreConcurrent(t *testing.T) {
	const loads, workers = 50, 8
	s := newStore(loads/2, 100)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range loads {
				id := fmt.Sprint(i)
				s.begin(id, connRef{id: uint64(w), ok: true})
				for range 20 {
					s.record(id, connRef{id: uint64(w), ok: true}, "/x")
				}
				s.snapshot(id)
			}
		})
	}
	wg.Wait()
	if n := s.len(); n > loads/2 {
		t.Errorf("len = %d, cap %d", n, loads/2)
	}
}

func TestBuildReportGroupsByFirstUse(t *testing.T) {
	c := func(id uint64) connRef { return connRef{id: id, ok: true} }
	entries := []entry{{c(5), "/a"}, {c(2), "/b"}, {c(5), "/c"}, {connRef{}, "/d"}, {c(9), "/e"}}
	r := buildReport("L", c(5), c(2), entries, 3)
	if r.Requests != 5 || r.Connections != 3 || r.Unattributed != 1 || r.Dropped != 3 {
		t.Fatalf("report %+v", r)
	}
	want := []struct {
		id uint64
		n  int
	}{{5, 2}, {2, 1}, {9, 1}}
	for i, w := range want {
		if got := r.PerConnection[i]; got.ID != w.id || got.Requests != w.n {
			t.Errorf("per_connection[%d] = %+v, want id %d with %d", i, got, w.id, w.n)
		}
	}
	if *r.PageConnection != 5 || *r.ReportConnection != 2 {
		t.Errorf("page %d, report %d", *r.PageConnection, *r.ReportConnection)
	}
}
