package wheel

import (
	"math/rand"
	"sort"
	"testing"
)

type item struct {
	id int
	t  Timer
}

// owners maps timers back to their items, as a caller's container_of does.
type owners map[*Timer]*item

func (o owners) add(it *item) *item { o[&it.t] = it; return it }

func TestExpiresInTime(t *testing.T) {
	w := New(64, 10, 0)
	own := owners{}
	r := rand.New(rand.NewSource(1))
	deadline := map[int]int64{}
	for i := 0; i < 100; i++ {
		it := own.add(&item{id: i})
		d := int64(1 + r.Intn(3000)) // up to about 5 turns of the wheel
		w.Set(&it.t, d)
		deadline[i] = d
	}
	var fired []int
	for now := int64(0); now <= 3010; now += 7 {
		w.Advance(now, func(tm *Timer) {
			it := own[tm]
			if deadline[it.id] > now {
				t.Fatalf("item %d (deadline %d) fired at %d", it.id, deadline[it.id], now)
			}
			if now-deadline[it.id] >= 10+7 {
				t.Fatalf("item %d (deadline %d) fired late at %d", it.id, deadline[it.id], now)
			}
			fired = append(fired, it.id)
		})
	}
	if len(fired) != 100 || w.Len() != 0 {
		t.Fatalf("fired %d, left %d", len(fired), w.Len())
	}
	sort.Ints(fired)
	for i, id := range fired {
		if id != i {
			t.Fatalf("item %d fired twice or never", i)
		}
	}
}

func TestSetMovesAndStopCancels(t *testing.T) {
	w := New(64, 1, 0)
	own := owners{}
	a, b := own.add(&item{id: 1}), own.add(&item{id: 2})
	w.Set(&a.t, 5)
	w.Set(&a.t, 50) // moved: not due at 5
	w.Set(&b.t, 5)
	w.Stop(&b.t)
	w.Stop(&b.t) // idempotent
	w.Advance(10, func(tm *Timer) { t.Fatalf("item %d fired", own[tm].id) })
	if w.Len() != 1 || !a.t.Armed() || b.t.Armed() {
		t.Fatalf("len %d", w.Len())
	}
	got := 0
	w.Advance(50, func(tm *Timer) { got = own[tm].id })
	if got != 1 {
		t.Fatal("moved timer did not fire at its new deadline")
	}
}

func TestPastDeadlineFiresNextTick(t *testing.T) {
	w := New(64, 10, 100)
	it := &item{}
	w.Set(&it.t, 50)
	fired := false
	w.Advance(110, func(*Timer) { fired = true })
	if !fired {
		t.Fatal("a deadline in the past did not fire on the next tick")
	}
}

// expired may re-arm the timer it is given, into the slot being processed.
func TestRearmFromCallback(t *testing.T) {
	w := New(64, 1, 0)
	it := &item{}
	w.Set(&it.t, 1)
	n := 0
	w.Advance(1, func(tm *Timer) {
		n++
		w.Set(tm, 65) // same slot, next turn
	})
	w.Advance(64, func(*Timer) { n++ })
	if n != 1 || !it.t.Armed() {
		t.Fatalf("fired %d times", n)
	}
	w.Advance(65, func(*Timer) { n++ })
	if n != 2 {
		t.Fatal("re-armed timer did not fire")
	}
}

// NextTick names the first slot that holds a timer, so an idle owner
// sleeps until then, and nothing at all when the wheel is empty.
func TestNextTick(t *testing.T) {
	w := New(128, 10, 0)
	if w.NextTick() != 0 {
		t.Fatal("empty wheel asks for a tick")
	}
	a, b := &item{}, &item{}
	w.Set(&a.t, 835)
	w.Set(&b.t, 2000) // beyond the span: its slot comes round first at 720
	if got := w.NextTick(); got != 720 {
		t.Fatalf("next tick %d, want 720 (slot of the deadline 2000, first turn)", got)
	}
	w.Advance(720, func(*Timer) { t.Fatal("fired early") })
	if got := w.NextTick(); got != 840 {
		t.Fatalf("next tick %d, want 840", got)
	}
	w.Stop(&a.t)
	if got := w.NextTick(); got != 720+1280 {
		t.Fatalf("next tick %d, want 2000", got)
	}
	w.Stop(&b.t)
	if w.NextTick() != 0 {
		t.Fatal("emptied wheel asks for a tick")
	}
}

func BenchmarkSetMove(b *testing.B) {
	w := New(1024, 1, 0)
	items := make([]item, 10000)
	for i := range items {
		w.Set(&items[i].t, int64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Set(&items[i%len(items)].t, int64(i+5000))
	}
}

func BenchmarkNextTick(b *testing.B) {
	w := New(2048, 1, 0)
	it := &item{}
	w.Set(&it.t, 2000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.NextTick()
	}
}
