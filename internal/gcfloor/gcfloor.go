// Package gcfloor keeps the Go collector from running on a heap smaller
// than a floor.
//
// The collector starts a cycle once the heap has grown by GOGC percent
// over what the last cycle left live. A hub's live heap is small (a few
// MB between bursts), so under steady work it collected several times a
// second: each cycle costs a fixed share of CPU and, for the requests that
// overlap it, a millisecond or more of assists and scheduling. With a
// 5 MB live heap at 200 verdicts a second, about one verdict in seventy
// overlapped a cycle: the p99 sat on them. A floor lets the heap grow to
// at least floor bytes before a cycle, and once the live heap outgrows
// half of it, the collector works as GOGC says again: memory stays
// within max(floor, what GOGC alone allows).
//
// After every cycle, Start's tuner reads the live heap and sets the GC
// percent that puts the next cycle at that goal. GOGC=off, and
// GOMEMLIMIT, keep their meaning: the tuner never runs with GC off, and
// the memory limit still caps the heap.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultFloor is the floor of the alertsync process (env
// ALERTSYNC_GC_FLOOR_MB overrides it).
const DefaultFloor = 32 << 20

// maxPercent bounds the GC percent the tuner sets.
const maxPercent = 10000

// Tuner keeps the heap goal at or above its floor; Stop ends it.
type Tuner struct {
	floor   uint64
	base    int // the GC percent the process had (GOGC)
	stopped atomic.Bool
	mu      sync.Mutex
	set     int // the percent last set
	cycles  atomic.Int64
}

// Start keeps the heap goal at no less than floor bytes. With a floor of
// zero or less, or the collector off (GOGC=off), it changes nothing and
// returns nil.
func Start(floor int64) *Tuner {
	if floor <= 0 {
		return nil
	}
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if base < 0 {
		return nil
	}
	t := &Tuner{floor: uint64(floor), base: base, set: base}
	t.adjust()
	t.arm()
	return t
}

// Stop ends the tuning and gives the collector back the process's GC
// percent.
func (t *Tuner) Stop() {
	if t == nil || t.stopped.Swap(true) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	debug.SetGCPercent(t.base)
	t.set = t.base
}

// Cycles is how many collections the tuner has seen.
func (t *Tuner) Cycles() int64 {
	if t == nil {
		return 0
	}
	return t.cycles.Load()
}

// sentinel is allocated for the collector to find unreachable: its
// cleanup runs once per cycle, and allocates the next one. It is larger
// than the tiny allocator's blocks, which may hold it alive with a
// neighbour.
type sentinel struct{ _ [32]byte }

func (t *Tuner) arm() {
	s := &sentinel{}
	runtime.AddCleanup(s, func(t *Tuner) { t.afterCycle() }, t)
}

func (t *Tuner) afterCycle() {
	if t.stopped.Load() {
		return
	}
	t.cycles.Add(1)
	t.adjust()
	t.arm()
}

// adjust sets the GC percent that puts the next cycle at
// max(floor, live × (1 + base/100)).
func (t *Tuner) adjust() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Load() {
		return
	}
	want := Percent(s[0].Value.Uint64(), t.floor, t.base)
	if want != t.set {
		debug.SetGCPercent(want)
		t.set = want
	}
}

// runtimeMinHeap is the Go runtime's heap minimum at GOGC=100: the goal
// is never below it scaled by GOGC/100, which is the whole goal before
// the first cycle and while the live heap stays under about 4 MiB.
const runtimeMinHeap = 4 << 20

// Percent is the GC percent whose goal, over live bytes, is the floor,
// and never below base. The runtime's goal is the larger of live × (1 +
// percent/100) and its heap minimum × percent/100; the percent is the
// one at which the larger reaches the floor, so a small or unknown live
// heap cannot make the goal overshoot it.
func Percent(live, floor uint64, base int) int {
	if live+live*uint64(base)/100 >= floor {
		return base
	}
	p := int(floor * 100 / runtimeMinHeap)
	if live > 0 {
		p = min(p, int((floor-live)*100/live)+1) // the goal reaches the floor
	}
	return min(max(p, base), maxPercent)
}
