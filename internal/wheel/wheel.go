// Package wheel is a hashed timing wheel: deadlines for many connections at
// once, each set, moved or cancelled in O(1), with one tick per resolution
// step instead of one runtime timer per connection.
//
// A Wheel is owned by one goroutine (an event loop); it is not safe for
// concurrent use. Timers are intrusive: the caller embeds a Timer in its
// own record, so arming one allocates nothing.
package wheel

// Timer is a deadline in a Wheel. Its zero value is unarmed.
type Timer[T any] struct {
	next, prev *Timer[T]
	when       int64 // deadline, in the caller's clock units; 0 when unarmed
	Value      T     // what Expired hands back
}

// Armed reports whether t is in a wheel.
func (t *Timer[T]) Armed() bool { return t.prev != nil }

// When is t's deadline (0 when unarmed).
func (t *Timer[T]) When() int64 { return t.when }

// Wheel holds timers in slots of one tick each. A deadline beyond the
// wheel's span sits in its slot for more than one turn: it is passed over
// until its time comes.
type Wheel[T any] struct {
	slots []Timer[T] // sentinels of circular lists
	tick  int64      // resolution, in clock units
	cur   int64      // the tick most recently processed
	n     int        // armed timers
}

// New makes a wheel of size slots, each tick units wide, starting at now.
func New[T any](size int, tick, now int64) *Wheel[T] {
	w := &Wheel[T]{slots: make([]Timer[T], size), tick: tick, cur: now / tick}
	for i := range w.slots {
		s := &w.slots[i]
		s.next, s.prev = s, s
	}
	return w
}

// Len is the number of armed timers.
func (w *Wheel[T]) Len() int { return w.n }

// Set arms t for deadline when, moving it if it was armed.
func (w *Wheel[T]) Set(t *Timer[T], when int64) {
	if t.Armed() {
		w.unlink(t)
	}
	t.when = when
	at := (when + w.tick - 1) / w.tick // the first tick at or after when
	if at <= w.cur {
		at = w.cur + 1 // due already: the next tick expires it
	}
	s := &w.slots[at%int64(len(w.slots))]
	t.prev, t.next = s.prev, s
	s.prev.next = t
	s.prev = t
	w.n++
}

// Stop disarms t, if armed.
func (w *Wheel[T]) Stop(t *Timer[T]) {
	if t.Armed() {
		w.unlink(t)
		t.when = 0
	}
}

func (w *Wheel[T]) unlink(t *Timer[T]) {
	t.prev.next = t.next
	t.next.prev = t.prev
	t.next, t.prev = nil, nil
	w.n--
}

// Advance processes every tick up to now, disarming the timers that are due
// and calling expired for each. expired may Set or Stop any timer.
func (w *Wheel[T]) Advance(now int64, expired func(T)) {
	end := now / w.tick
	for w.cur < end {
		w.cur++
		w.expireSlot(&w.slots[w.cur%int64(len(w.slots))], now, expired)
		if w.n == 0 {
			w.cur = end // nothing left to find: skip the empty ticks
		}
	}
}

func (w *Wheel[T]) expireSlot(s *Timer[T], now int64, expired func(T)) {
	// Due timers are moved to a private list first, so that expired may
	// re-arm timers into this very slot without being called again.
	var due Timer[T]
	due.next, due.prev = &due, &due
	for t := s.next; t != s; {
		next := t.next
		if t.when <= now {
			w.unlink(t)
			t.when = 0
			t.prev, t.next = due.prev, &due
			due.prev.next = t
			due.prev = t
		}
		t = next
	}
	for t := due.next; t != &due; {
		next := t.next
		t.next, t.prev = nil, nil
		expired(t.Value)
		t = next
	}
}

// NextTick is when the next tick is due, for the loop's wake-up: 0 when the
// wheel is empty, so an idle loop need not wake at all.
func (w *Wheel[T]) NextTick() int64 {
	if w.n == 0 {
		return 0
	}
	return (w.cur + 1) * w.tick
}
