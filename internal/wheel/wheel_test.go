package wheel

import (
	"math/rand"
	"sort"
	"testing"
)

type item struct {
	id int
	t  Timer[*item]
}

func TestExpiresInOrderOfTicks(t *testing.T) {
	w := New[*item](16, 10, 0)
	items := make([]*item, 100)
	r := rand.New(rand.NewSource(1))
	deadline := map[int]int64{}
	for i := range items {
		it := &item{id: i}
		it.t.Value = it
		d := int64(1 + r.Intn(1000)) // up to 6 turns of the wheel
		w.Set(&it.t, d)
		deadline[i] = d
		items[i] = it
	}
	var fired []int
	for now := int64(0); now <= 1010; now += 7 {
		w.Advance(now, func(it *item) {
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
	w := New[*item](8, 1, 0)
	a, b := &item{id: 1}, &item{id: 2}
	a.t.Value, b.t.Value = a, b
	w.Set(&a.t, 5)
	w.Set(&a.t, 50) // moved: not due at 5
	w.Set(&b.t, 5)
	w.Stop(&b.t)
	w.Stop(&b.t) // idempotent
	w.Advance(10, func(it *item) { t.Fatalf("item %d fired", it.id) })
	if w.Len() != 1 || !a.t.Armed() || b.t.Armed() {
		t.Fatalf("len %d", w.Len())
	}
	got := 0
	w.Advance(50, func(it *item) { got = it.id })
	if got != 1 {
		t.Fatal("moved timer did not fire at its new deadline")
	}
}

func TestPastDeadlineFiresNextTick(t *testing.T) {
	w := New[*item](8, 10, 100)
	it := &item{}
	it.t.Value = it
	w.Set(&it.t, 50)
	fired := false
	w.Advance(110, func(*item) { fired = true })
	if !fired {
		t.Fatal("a deadline in the past did not fire on the next tick")
	}
}

// expired may re-arm the timer it is given, into the slot being processed.
func TestRearmFromCallback(t *testing.T) {
	w := New[*item](4, 1, 0)
	it := &item{}
	it.t.Value = it
	w.Set(&it.t, 1)
	n := 0
	w.Advance(1, func(x *item) {
		n++
		w.Set(&x.t, 5) // same slot, next turn
	})
	w.Advance(4, func(*item) { n++ })
	if n != 1 || !it.t.Armed() {
		t.Fatalf("fired %d times", n)
	}
	w.Advance(5, func(*item) { n++ })
	if n != 2 {
		t.Fatal("re-armed timer did not fire")
	}
}

func TestNextTick(t *testing.T) {
	w := New[*item](8, 10, 0)
	if w.NextTick() != 0 {
		t.Fatal("empty wheel asks for a tick")
	}
	it := &item{}
	w.Set(&it.t, 35)
	if w.NextTick() != 10 {
		t.Fatalf("next tick %d", w.NextTick())
	}
}

func BenchmarkSetMove(b *testing.B) {
	w := New[*item](1024, 1, 0)
	items := make([]item, 10000)
	for i := range items {
		items[i].t.Value = &items[i]
		w.Set(&items[i].t, int64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Set(&items[i%len(items)].t, int64(i+5000))
	}
}
