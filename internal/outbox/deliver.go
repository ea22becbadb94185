package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/store"
)

// unit is what one delivery call carries: one item, or items that one bulk
// vendor call takes together. It must start before deadline.
type unit struct {
	items    []store.OutboxItem
	deadline time.Time
	// key is the items' batch key ("" for a unit of one that goes alone)
	// and since when the unit has waited on its lane.
	key   string
	since time.Time
}

// full reports whether u carries as many items as one bulk call may.
func (w *Worker) full(u unit) bool {
	return len(u.items) >= w.unitCap(u.key, u.items[0])
}

// unitCap is the most items one bulk call carries: the vendor's limit,
// and at most a claim's worth (Batch), so a backlog goes out as several
// calls in flight at once rather than one huge one.
func (w *Worker) unitCap(key string, it store.OutboxItem) int {
	limit := w.o.Batch
	if v := w.maxBatch(key, it); v > 0 {
		limit = min(limit, v)
	}
	return max(limit, 1)
}

// priority orders units on a lane: decisions first, then oldest first.
func (u unit) priority() (int, int64) {
	p, id := u.items[0].Priority, u.items[0].ID
	for _, it := range u.items[1:] {
		p, id = min(p, it.Priority), min(id, it.ID)
	}
	return p, id
}

func compareUnits(a, b unit) int {
	ap, aid := a.priority()
	bp, bid := b.priority()
	if c := cmp.Compare(ap, bp); c != 0 {
		return c
	}
	return cmp.Compare(aid, bid)
}

// finished is one item's outcome, waiting to be recorded.
type finished struct {
	item   store.OutboxItem
	result store.OutboxResult
	after  After
	err    error
}

// units splits claimed items into delivery units: items with the same
// non-empty batch key go together, every other item alone.
func (w *Worker) units(items []store.OutboxItem, deadline time.Time) []unit {
	var out []unit
	byKey := map[string]int{}
	for _, it := range items {
		key := ""
		if w.o.BatchKey != nil && w.o.DeliverBatch != nil {
			key = w.o.BatchKey(it)
		}
		if g, ok := byKey[key]; ok && key != "" {
			if len(out[g].items) < w.unitCap(key, it) {
				out[g].items = append(out[g].items, it)
				continue
			}
		}
		if key != "" {
			byKey[key] = len(out)
		}
		out = append(out, unit{items: []store.OutboxItem{it}, deadline: deadline, key: key, since: time.Now()})
	}
	slices.SortStableFunc(out, compareUnits)
	return out
}

func (w *Worker) maxBatch(key string, it store.OutboxItem) int {
	if w.o.MaxBatch == nil {
		return 0
	}
	return w.o.MaxBatch(key, it)
}

// deliverUnit delivers one unit and returns its items' outcomes. A unit
// whose deadline passed before it started is not sent: its items go back
// to pending without counting an attempt against the vendor. Nor is an
// item whose lease another worker took (see Worker.lose).
func (w *Worker) deliverUnit(ctx context.Context, u unit) []finished {
	if ctx.Err() != nil || !time.Now().Before(w.startBy(u)) {
		return unsent(w.o.Now().UTC(), u.items, "waiting: not started before its lease ran out")
	}
	// Under Run the lease is renewed while the delivery runs, whose own
	// bound is DeliveryTimeout; without renewal (RunOnce) it must end
	// within the lease it was claimed under.
	end := time.Now().Add(w.o.DeliveryTimeout)
	if !w.renewing() {
		end = u.deadline
	}
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	live, lost := w.track(u.items, cancel)
	defer w.untrack(live)
	gone := unsent(w.o.Now().UTC(), lost, "waiting: its lease passed to another worker")
	if len(live) == 0 {
		return gone
	}
	if p, _ := u.priority(); p == store.PriorityAutomatic {
		// Automatic comments give way to decisions on the vendor's budget.
		ctx = connector.Background(ctx)
	}
	start := time.Now()
	if len(live) == 1 {
		it := live[0]
		after, err := w.o.Deliver(ctx, it)
		w.metrics.latency.WithLabelValues(it.Action).Observe(time.Since(start).Seconds())
		res, after := w.outcome(it, after, err)
		return append(gone, finished{item: it, result: res, after: after, err: err})
	}
	outcomes, err := w.o.DeliverBatch(ctx, live)
	w.metrics.latency.WithLabelValues(live[0].Action).Observe(time.Since(start).Seconds())
	w.metrics.bulkSize.Observe(float64(len(live)))
	if err == nil && len(outcomes) != len(live) {
		err = fmt.Errorf("bulk delivery answered %d outcomes for %d items", len(outcomes), len(live))
	}
	out := gone
	for i, it := range live {
		var o Outcome
		if err != nil {
			o.Err = err
		} else {
			o = outcomes[i]
		}
		res, after := w.outcome(it, o.After, o.Err)
		out = append(out, finished{item: it, result: res, after: after, err: o.Err})
	}
	return out
}

// unsent is the outcome of items not sent: back to pending, due now,
// without counting the claim's attempt.
func unsent(now time.Time, items []store.OutboxItem, why string) []finished {
	out := make([]finished, 0, len(items))
	for _, it := range items {
		out = append(out, finished{item: it, result: store.OutboxResult{ID: it.ID, State: store.OutboxPending, Now: now,
			NextAttemptAt: now, Unattempted: true, Error: why}})
	}
	return out
}

// Outcome is one item's result in a bulk delivery: After runs when it
// succeeded; Err, when set, is its own failure (or a *Noted success).
type Outcome struct {
	After After
	Err   error
}

// Noted is what a Deliverer returns, as its error, for an action that
// succeeded without changing anything at the vendor (the target was
// already in the requested state): the item is done, its record says why,
// and After still runs.
type Noted struct {
	Note  string
	After After
}

func (n *Noted) Error() string { return n.Note }

// Wait is what a Deliverer returns, as its error, for an action that must
// not go yet for a reason of alertsync's own (a write it must follow is
// still on its way): nothing was sent, so the item goes back to pending,
// due at Until, without using up an attempt.
type Wait struct {
	Until  time.Time
	Reason string
}

func (w *Wait) Error() string { return "waiting: " + w.Reason }

// noted unwraps a Noted success.
func noted(err error) (*Noted, bool) {
	var n *Noted
	if errors.As(err, &n) {
		return n, true
	}
	return nil, false
}
