package emukit

import (
	"sync"
	"time"
)

// Clock tells emulator time. Tests pass a FakeClock so that token expiry,
// rate-limit windows and lastUpdate timestamps move only when told to.
type Clock interface {
	Now() time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current UTC time.
func (RealClock) Now() time.Time { return time.Now().UTC() }

// FakeClock is a Clock that only moves when Advance or Set is called. It is
// safe for concurrent use.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a FakeClock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t.UTC()} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the fake time forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the fake time to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

// orReal returns c, or the real clock when c is nil.
func orReal(c Clock) Clock {
	if c == nil {
		return RealClock{}
	}
	return c
}

// Ticker hands out strictly increasing timestamps from a Clock. Vendors
// stamp lastUpdate fields on every write; with a fake clock that does not
// move, two writes would otherwise carry the same time and a connector
// polling with "gt last seen" would miss the second one.
type Ticker struct {
	mu    sync.Mutex
	clock Clock
	last  time.Time
}

// NewTicker returns a Ticker reading clock (the real clock when nil).
func NewTicker(clock Clock) *Ticker { return &Ticker{clock: orReal(clock)} }

// Next returns the clock's time, or one microsecond after the previous
// result when the clock has not moved past it.
func (t *Ticker) Next() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now().UTC()
	if !now.After(t.last) {
		now = t.last.Add(time.Microsecond)
	}
	t.last = now
	return now
}

// Observe makes later Next results come after ts, for seeded data stamped
// outside the Ticker.
func (t *Ticker) Observe(ts time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts.After(t.last) {
		t.last = ts
	}
}

// Reset forgets the previous results.
func (t *Ticker) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last = time.Time{}
}
