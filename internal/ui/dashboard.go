package ui

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// The dashboard reads at most the newest dashboardRows alerts and outbox
// items, found by keyset from the newest id, so it costs the same at a
// million alerts as at a thousand.
const (
	dashboardRows  = 20000
	dashboardHours = 24
)

type dashboardData struct {
	PerSource           []chart
	Agreement           chart
	Failures            chart
	Pending, Dead, Done int
	// Alerts and Items are how many rows the figures were drawn from.
	Alerts, Items int
	Agreed        int
	Waiting       int
}

// dashboard answers GET /: alerts per source per hour, the time from a
// verdict to every console agreeing, and write-back failures per hour.
func (c *console) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := c.now().UTC().Truncate(time.Hour).Add(time.Hour)
	alerts, err := c.newestAlerts(ctx, now.Add(-dashboardHours*time.Hour))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	items, err := c.newestItems(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	counts, err := c.store.OutboxCounts(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := dashboardData{PerSource: perSource(alerts, now), Alerts: len(alerts), Items: len(items), Failures: failures(items, now),
		Pending: counts[store.OutboxPending] + counts[store.OutboxLeased], Dead: counts[store.OutboxDead], Done: counts[store.OutboxDone]}
	d.Agreement, d.Agreed, d.Waiting = agreement(items)
	c.render(w, r, http.StatusOK, "dashboard", c.view(r, "dashboard", "Dashboard", d))
}

// hours labels the dashboard's hourly buckets, ending at end.
func hours(end time.Time) []string {
	out := make([]string, dashboardHours)
	for i := range out {
		out[i] = end.Add(time.Duration(i-dashboardHours) * time.Hour).Format("15:04")
	}
	return out
}

func bucket(t, end time.Time) int {
	i := dashboardHours - 1 - int(end.Sub(t)/time.Hour)
	if t.After(end) || i < 0 {
		return -1
	}
	return i
}

func perSource(alerts []model.Alert, end time.Time) []chart {
	counts := map[string][]float64{}
	for _, a := range alerts {
		i := bucket(a.CreatedAt, end)
		if i < 0 {
			continue
		}
		if counts[a.Integration] == nil {
			counts[a.Integration] = make([]float64, dashboardHours)
		}
		counts[a.Integration][i]++
	}
	var out []chart
	for _, src := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, newChart(src, "alerts", hours(end), counts[src]))
	}
	return out
}

// failures counts, per hour of their last attempt, the write-backs that
// failed at least once: dead letters and retried ones.
func failures(items []store.OutboxItem, end time.Time) chart {
	vals := make([]float64, dashboardHours)
	for _, it := range items {
		failed := it.State == store.OutboxDead || (it.Attempts > 1) || (it.State == store.OutboxPending && it.LastError != "")
		if i := bucket(it.UpdatedAt, end); failed && i >= 0 {
			vals[i]++
		}
	}
	return newChart("Write-back failures (dead or retried)", "writes", hours(end), vals)
}

// agreementBuckets are the latency bins of the verdict-to-agreement plot.
var agreementBuckets = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 5 * time.Minute, time.Hour}

// agreement measures, for each verdict whose state writes are all done,
// the time from the verdict (when its writes were queued, in the same
// transaction) to the last vendor confirming; still-open ones are
// counted apart.
func agreement(items []store.OutboxItem) (chart, int, int) {
	type span struct {
		from, to time.Time
		open     bool
	}
	spans := map[string]*span{}
	for _, it := range items {
		if it.Action != engine.ActionSetState || it.OriginID == 0 {
			continue
		}
		key := fmt.Sprintf("%s/%d/%d", it.OriginKind, it.OriginID, it.CreatedAt.Unix())
		s := spans[key]
		if s == nil {
			s = &span{from: it.CreatedAt}
			spans[key] = s
		}
		s.open = s.open || it.State != store.OutboxDone
		if it.CreatedAt.Before(s.from) {
			s.from = it.CreatedAt
		}
		if it.UpdatedAt.After(s.to) {
			s.to = it.UpdatedAt
		}
	}
	labels := make([]string, len(agreementBuckets)+1)
	for i, b := range agreementBuckets {
		labels[i] = "< " + b.String()
	}
	labels[len(agreementBuckets)] = "≥ " + agreementBuckets[len(agreementBuckets)-1].String()
	vals := make([]float64, len(labels))
	agreed, waiting := 0, 0
	for _, s := range spans {
		if s.open {
			waiting++
			continue
		}
		agreed++
		d := s.to.Sub(s.from)
		i := slices.IndexFunc(agreementBuckets, func(b time.Duration) bool { return d < b })
		if i < 0 {
			i = len(agreementBuckets)
		}
		vals[i]++
	}
	return newChart("Verdict → every console agreeing", "verdicts", labels, vals), agreed, waiting
}

// newestAlerts reads the newest alerts created since from, newest last,
// at most dashboardRows of them.
func (c *console) newestAlerts(ctx context.Context, from time.Time) ([]model.Alert, error) {
	top, err := maxID(func(after int64) (bool, error) {
		rows, err := c.store.AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 1})
		return len(rows) > 0, err
	})
	if err != nil {
		return nil, fmt.Errorf("find the newest alert: %w", err)
	}
	var out []model.Alert
	for end := top; end > 0 && len(out) < dashboardRows; end -= scanChunk {
		rows, err := c.store.AlertList(ctx, store.AlertListParams{AfterID: max(end-scanChunk, 0), Limit: scanChunk})
		if err != nil {
			return nil, fmt.Errorf("list recent alerts: %w", err)
		}
		out = append(rows, out...)
		if len(rows) > 0 && rows[0].CreatedAt.Before(from) {
			break
		}
	}
	return out, nil
}

// newestItems reads the newest outbox items, at most dashboardRows.
func (c *console) newestItems(ctx context.Context) ([]store.OutboxItem, error) {
	top, err := maxID(func(after int64) (bool, error) {
		rows, err := c.store.OutboxList(ctx, store.OutboxListParams{AfterID: after, Limit: 1})
		return len(rows) > 0, err
	})
	if err != nil {
		return nil, fmt.Errorf("find the newest outbox item: %w", err)
	}
	items, err := c.store.OutboxList(ctx, store.OutboxListParams{AfterID: max(top-dashboardRows, 0), Limit: dashboardRows})
	if err != nil {
		return nil, fmt.Errorf("list recent outbox items: %w", err)
	}
	return items, nil
}

// maxID finds the largest id: exists(after)
// reports whether a row with an id above after exists: doubling, then
// halving, so O(log n) indexed reads find the end of a table the store
// only pages upwards.
func maxID(exists func(after int64) (bool, error)) (int64, error) {
	hi := int64(1024)
	for {
		more, err := exists(hi)
		if err != nil {
			return 0, err
		}
		if !more {
			break
		}
		hi *= 2
	}
	lo := int64(0) // rows exist above lo, or lo is 0
	for lo < hi {
		mid := lo + (hi-lo)/2
		more, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if more {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
