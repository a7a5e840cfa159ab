// Package wheel is a hashed timing wheel: deadlines for many connections at
// once, each set, moved or cancelled in O(1), with no runtime timer per
// connection.
//
// A Wheel is owned by one goroutine (an event loop); it is not safe for
// concurrent use. Timers are intrusive: the caller embeds a Timer in its
// own record, so arming one allocates nothing, and finds its record from
// the Timer it is handed back (see Expired).
package wheel

import (
	"math/bits"
	"unsafe"
)

// Timer is a deadline in a Wheel. Its zero value is unarmed.
type Timer struct {
	next, prev *Timer
	when       int64 // deadline, in the caller's clock units; 0 when unarmed
}

// Armed reports whether t is in a wheel.
func (t *Timer) Armed() bool { return t.prev != nil }

// When is t's deadline (0 when unarmed).
func (t *Timer) When() int64 { return t.when }

// Wheel holds timers in slots of one tick each. A deadline beyond the
// wheel's span sits in its slot for more than one turn: it is passed over
// until its time comes. A bitmap of non-empty slots lets the owner sleep
// until the next slot that holds anything, instead of waking every tick.
type Wheel struct {
	slots    []Timer  // sentinels of circular lists
	nonEmpty []uint64 // bit i set: slot i holds timers
	tick     int64    // resolution, in clock units
	cur      int64    // the tick most recently processed
	n        int      // armed timers
}

// New makes a wheel of size slots (a multiple of 64), each tick units
// wide, starting at now.
func New(size int, tick, now int64) *Wheel {
	size = (size + 63) &^ 63
	w := &Wheel{slots: make([]Timer, size), nonEmpty: make([]uint64, size/64), tick: tick, cur: now / tick}
	for i := range w.slots {
		s := &w.slots[i]
		s.next, s.prev = s, s
	}
	return w
}

// Len is the number of armed timers.
func (w *Wheel) Len() int { return w.n }

func (w *Wheel) slotOf(tick int64) int { return int(tick % int64(len(w.slots))) }

// Set arms t for deadline when, moving it if it was armed.
func (w *Wheel) Set(t *Timer, when int64) {
	if t.Armed() {
		w.unlink(t)
	}
	t.when = when
	at := (when + w.tick - 1) / w.tick // the first tick at or after when
	if at <= w.cur {
		at = w.cur + 1 // due already: the next tick expires it
	}
	i := w.slotOf(at)
	s := &w.slots[i]
	t.prev, t.next = s.prev, s
	s.prev.next = t
	s.prev = t
	w.nonEmpty[i/64] |= 1 << (i % 64)
	w.n++
}

// Stop disarms t, if armed.
func (w *Wheel) Stop(t *Timer) {
	if t.Armed() {
		w.unlink(t)
		t.when = 0
	}
}

func (w *Wheel) unlink(t *Timer) {
	next := t.next
	t.prev.next = next
	next.prev = t.prev
	if next == next.next { // the slot's sentinel is alone: the slot emptied
		i := w.sentinelIndex(next)
		w.nonEmpty[i/64] &^= 1 << (i % 64)
	}
	t.next, t.prev = nil, nil
	w.n--
}

// sentinelIndex finds which slot a sentinel is, from its address in the
// slots array.
func (w *Wheel) sentinelIndex(s *Timer) int {
	off := uintptr(unsafe.Pointer(s)) - uintptr(unsafe.Pointer(&w.slots[0]))
	return int(off / unsafe.Sizeof(Timer{}))
}

// Advance processes every tick up to now, disarming the timers that are due
// and calling expired for each. expired may Set or Stop any timer.
func (w *Wheel) Advance(now int64, expired func(*Timer)) {
	end := now / w.tick
	for w.cur < end {
		next := w.nextNonEmpty()
		if next < 0 || next > end {
			w.cur = end // no slot holds anything before end
			return
		}
		w.cur = next
		w.expireSlot(w.slotOf(next), now, expired)
	}
}

func (w *Wheel) expireSlot(i int, now int64, expired func(*Timer)) {
	s := &w.slots[i]
	// Due timers are moved to a private list first, so that expired may
	// re-arm timers into this very slot without being called again.
	var due Timer
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
		expired(t)
		t = next
	}
}

// nextNonEmpty is the first tick after cur whose slot holds timers, or -1.
func (w *Wheel) nextNonEmpty() int64 {
	if w.n == 0 {
		return -1
	}
	size := len(w.slots)
	start := w.slotOf(w.cur + 1)
	for k := 0; k <= len(w.nonEmpty); k++ {
		word := (start/64 + k) % len(w.nonEmpty)
		bitsw := w.nonEmpty[word]
		if k == 0 {
			bitsw &^= (1 << (start % 64)) - 1 // slots before start come last
		}
		if k == len(w.nonEmpty) {
			bitsw &= (1 << (start % 64)) - 1
		}
		if bitsw != 0 {
			i := word*64 + bits.TrailingZeros64(bitsw)
			return w.cur + 1 + int64((i-start+size)%size)
		}
	}
	return -1
}

// NextTick is when the wheel next needs a tick, in clock units: the tick
// of the first slot that holds timers, or 0 when the wheel is empty, so an
// idle loop wakes only when something may be due.
func (w *Wheel) NextTick() int64 {
	next := w.nextNonEmpty()
	if next < 0 {
		return 0
	}
	return next * w.tick
}
