package httpkit

import (
	"sync"
	"weak"

	"golang.org/x/time/rate"
)

// Replicas share one vendor budget: a vendor counts the requests of a
// credential, not of a process, so N replicas of one hub would spend N
// times its quota if each kept the whole budget. Each replica therefore
// spends 1/N of every budget, N being the replicas alive now (the app
// counts them from the store's presence leases every few seconds and
// calls ShareBudgets), and takes its share back up as others leave.

var (
	shareMu sync.Mutex
	shareN  = 1
	shared  []divisible
)

// divisible is a budget limiter with the rate it has when one replica
// spends it all. It is held weakly: a limiter of a client rebuilt since
// (a secret replaced, a restart of a connector) drops out.
type divisible struct {
	l    weak.Pointer[rate.Limiter]
	full rate.Limit
}

// Divisible registers l, whose current rate is the whole budget, to be
// divided among the replicas alive, and returns it. PerMinute and
// SharedPerMinute register theirs; a connector with a limiter of its own
// shape (a per-hour bucket) registers it here.
func Divisible(l *rate.Limiter) *rate.Limiter {
	if l == nil || l.Limit() == rate.Inf {
		return l
	}
	shareMu.Lock()
	defer shareMu.Unlock()
	full := l.Limit()
	shared = append(shared, divisible{l: weak.Make(l), full: full})
	if shareN > 1 {
		l.SetLimit(full / rate.Limit(shareN))
	}
	return l
}

// ShareBudgets makes every registered budget this replica's 1/n share (n
// at least 1) and reports whether the share changed.
func ShareBudgets(n int) bool {
	n = max(n, 1)
	shareMu.Lock()
	defer shareMu.Unlock()
	changed := n != shareN
	shareN = n
	kept := shared[:0]
	for _, d := range shared {
		l := d.l.Value()
		if l == nil {
			continue
		}
		if changed {
			l.SetLimit(d.full / rate.Limit(n))
		}
		kept = append(kept, d)
	}
	clear(shared[len(kept):])
	shared = kept
	return changed
}
