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

// divisible is a budget limiter with the rate and burst it has when one
// replica spends it all. It is held weakly: a limiter of a client rebuilt
// since (a secret replaced, a restart of a connector) drops out.
type divisible struct {
	l     weak.Pointer[rate.Limiter]
	full  rate.Limit
	burst int
}

// shareOf sets l to its 1/n share of full and burst: the rate divided,
// and the burst beyond one request (the decisions' reserve, or a vendor's
// own burst) divided too, so n replicas together never hold more than one
// replica alone did, plus one request each.
func shareOf(l *rate.Limiter, full rate.Limit, burst, n int) {
	l.SetLimit(full / rate.Limit(n))
	l.SetBurst(1 + (burst-1)/n)
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
	full, burst := l.Limit(), l.Burst()
	shared = append(shared, divisible{l: weak.Make(l), full: full, burst: burst})
	if shareN > 1 {
		shareOf(l, full, burst, shareN)
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
			shareOf(l, d.full, d.burst, n)
		}
		kept = append(kept, d)
	}
	clear(shared[len(kept):])
	shared = kept
	return changed
}
