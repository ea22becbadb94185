package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// IngestResult counts what one Ingest call did.
type IngestResult struct {
	Created     int `json:"created"`
	Updated     int `json:"updated"`
	Unchanged   int `json:"unchanged"`
	Echoes      int `json:"echoes"`
	Stale       int `json:"stale"`
	Quarantined int `json:"quarantined"`
}

func (r *IngestResult) add(o IngestResult) {
	r.Created += o.Created
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Echoes += o.Echoes
	r.Stale += o.Stale
	r.Quarantined += o.Quarantined
}

// DefaultIngestBatch is how many items one ingest transaction holds. On
// SQLite a transaction of 2,000 takes about 50 ms of the one writer, the
// longest a decision waits behind ingest; 500 cost a quarter of the rate
// in commits (34,000 alerts/s against 41,000).
const DefaultIngestBatch = 2000

// Ingest stores a page of fetched or pushed items for one integration, in
// transactions of IngestBatch items. Items that could not be mapped
// are quarantined with their reason; nothing is dropped.
func (e *Engine) Ingest(ctx context.Context, integration string, items []connector.Item) (IngestResult, error) {
	if e.groupable(items) {
		return e.ingestGrouped(ctx, integration, items)
	}
	var total IngestResult
	for start := 0; start < len(items); start += e.batch {
		end := min(start+e.batch, len(items))
		res, err := e.ingestChunk(ctx, integration, items[start:end])
		if err != nil {
			return total, fmt.Errorf("ingest %s: %w", integration, err)
		}
		total.add(res)
		e.metrics.countIngest(integration, string(model.KindAlert), res)
	}
	return total, nil
}

// ingestChunk stores one transaction's worth of items. If the store
// refuses the chunk, the items are stored one by one so that the one it
// refuses is quarantined alone, with the store's reason, and the rest of
// the chunk is kept.
func (e *Engine) ingestChunk(ctx context.Context, integration string, items []connector.Item) (IngestResult, error) {
	var res IngestResult
	err := e.withTx(ctx, func(tx store.Tx) error {
		var err error
		res, err = e.ingestBatch(ctx, tx, integration, items)
		return err
	})
	if err == nil || ctx.Err() != nil || len(items) == 1 && items[0].Err != nil {
		return res, err
	}
	if len(items) > 1 {
		e.log.Warn("ingest batch refused; storing its items one by one", "integration", integration, "items", len(items), "err", err)
	}
	res = IngestResult{}
	for _, it := range items {
		one, err := e.ingestChunkOne(ctx, integration, it)
		if err != nil {
			return res, err
		}
		res.add(one)
	}
	return res, nil
}

func (e *Engine) ingestChunkOne(ctx context.Context, integration string, it connector.Item) (IngestResult, error) {
	var res IngestResult
	err := e.withTx(ctx, func(tx store.Tx) error {
		var err error
		res, err = e.ingestBatch(ctx, tx, integration, []connector.Item{it})
		return err
	})
	// A race lost again and again (two replicas taking the same alert) is
	// not the store refusing the item: it stays with its source, which
	// offers it again (the next poll, the pusher's retry), rather than go
	// to quarantine.
	if err == nil || ctx.Err() != nil || errors.Is(err, store.ErrConflict) {
		return res, err
	}
	bad := it
	bad.Err = fmt.Errorf("the store refused it: %w", err)
	err = e.withTx(ctx, func(tx store.Tx) error { return e.quarantine(ctx, tx, integration, bad, e.Now()) })
	return IngestResult{Quarantined: 1}, err
}

func (e *Engine) ingestBatch(ctx context.Context, tx store.Tx, integration string, items []connector.Item) (IngestResult, error) {
	res := make([]IngestResult, 1)
	if err := e.lockMembers(ctx, tx, integration); err != nil {
		return res[0], err
	}
	if err := lockTwins(ctx, tx, items); err != nil {
		return res[0], err
	}
	err := e.ingestBatchFor(ctx, tx, integration, items, make([]int, len(items)), res)
	return res[0], err
}

// ingestBatchFor is ingestBatch for items of several callers (a group of
// pushes): item i is counted in res[owner[i]].
func (e *Engine) ingestBatchFor(ctx context.Context, tx store.Tx, integration string, items []connector.Item, owner []int, res []IngestResult) error {
	now := e.Now()
	items = slices.Clone(items) // bad vendor ids are marked below
	ids := make([]string, 0, len(items))
	for i, it := range items {
		if it.Err == nil && it.Alert != nil {
			if err := model.CheckVendorID(vendorIDOf(it)); err != nil {
				items[i].Err = err
				continue
			}
			ids = append(ids, vendorIDOf(it))
		}
	}
	existing, err := tx.AlertsByVendor(ctx, integration, ids)
	if err != nil {
		return fmt.Errorf("look up batch: %w", err)
	}
	items, owner = inLockOrder(items, owner, existing)
	// New alerts are written together at the end (or before a vendor id
	// repeats within the batch), which saves PostgreSQL a round trip per
	// row.
	var fresh []*model.Alert
	freshIDs := map[string]bool{}
	flush := func() error {
		err := e.insertNew(ctx, tx, fresh, now)
		for _, a := range fresh {
			existing[a.VendorID] = *a
		}
		fresh, freshIDs = fresh[:0], map[string]bool{}
		return err
	}
	for i, it := range items {
		r := &res[owner[i]]
		if it.Err != nil || it.Alert == nil {
			if err := e.quarantine(ctx, tx, integration, it, now); err != nil {
				return err
			}
			r.Quarantined++
			continue
		}
		a := prepare(*it.Alert, integration, vendorIDOf(it), it.Raw)
		if freshIDs[a.VendorID] {
			if err := flush(); err != nil {
				return err
			}
		}
		old, found := existing[a.VendorID]
		if !found {
			fresh = append(fresh, &a)
			freshIDs[a.VendorID] = true
			r.Created++
			continue
		}
		outcome, err := e.ingestExisting(ctx, tx, old, &a, now)
		if err != nil {
			return err
		}
		r.count(outcome)
		existing[a.VendorID] = a
	}
	return flush()
}

type ingestOutcome int

const (
	outcomeUnchanged ingestOutcome = iota
	outcomeUpdated
	outcomeEcho
	outcomeStale
)

func (r *IngestResult) count(o ingestOutcome) {
	switch o {
	case outcomeUpdated:
		r.Updated++
	case outcomeEcho:
		r.Echoes++
	case outcomeStale:
		r.Stale++
	default:
		r.Unchanged++
	}
}

func vendorIDOf(it connector.Item) string {
	if it.Alert != nil && it.Alert.VendorID != "" {
		return it.Alert.VendorID
	}
	return it.VendorID
}

// prepare fills the fields every connector may leave to the engine.
func prepare(a model.Alert, integration, vendorID string, raw []byte) model.Alert {
	a.Integration = integration
	a.VendorID = vendorID
	a.Entities = a.Entities.Normalize()
	if a.Severity == "" {
		a.Severity = model.SeverityUnknown
	}
	if a.Status == "" {
		a.Status = model.StatusNew
	}
	if a.RemoteStatus == "" {
		a.RemoteStatus = string(a.Status)
	}
	if len(raw) > 0 {
		a.Raw = raw
	}
	a.Sanitize()
	return a
}

func (e *Engine) quarantine(ctx context.Context, tx store.Tx, integration string, it connector.Item, now time.Time) error {
	reason := "connector returned no alert"
	if it.Err != nil {
		reason = it.Err.Error()
	}
	// The payload is kept byte for byte; the texts beside it follow the
	// text policy so that any store takes them.
	reason, _ = model.CleanText(reason)
	reason, _ = model.TruncateBytes(reason, model.MaxReasonLen)
	vendorID, _ := model.CleanText(vendorIDOf(it))
	vendorID, _ = model.TruncateBytes(vendorID, model.MaxVendorIDLen)
	raw := it.Raw
	if len(raw) == 0 {
		raw = []byte("null")
	}
	e.log.Warn("quarantined vendor payload", "integration", integration, "vendor_id", vendorID, "reason", reason)
	if err := tx.QuarantineAdd(ctx, store.QuarantineEntry{
		Integration: integration, VendorID: vendorID, Reason: reason, Payload: raw, At: now,
	}); err != nil {
		return fmt.Errorf("quarantine payload: %w", err)
	}
	return nil
}

// insertNew stores first-seen alerts: one revision each, and a validation
// schedule for the open ones.
func (e *Engine) insertNew(ctx context.Context, tx store.Tx, fresh []*model.Alert, now time.Time) error {
	if len(fresh) == 0 {
		return nil
	}
	for _, a := range fresh {
		a.FirstSeenAt, a.LastChangedAt, a.Revision = now, now, 1
		if a.CreatedAt.IsZero() {
			a.CreatedAt = now
		}
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = a.CreatedAt
		}
	}
	if err := tx.AlertInsertBatch(ctx, fresh); err != nil {
		return fmt.Errorf("insert %d alerts: %w", len(fresh), err)
	}
	revs := make([]model.Revision, 0, len(fresh))
	for _, a := range fresh {
		snap, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("snapshot alert %d: %w", a.ID, err)
		}
		reason := "ingested"
		if len(a.Notes) > 0 {
			reason = "ingested; repaired by the text policy: " + strings.Join(a.Notes, "; ")
		}
		revs = append(revs, model.Revision{Kind: model.KindAlert, ObjectID: a.ID, Seq: 1,
			Actor:  model.Actor{Kind: model.ActorRemote, Name: a.Integration},
			Reason: reason, Changes: []string{"created"}, Snapshot: snap, At: now})
	}
	vals, err := e.autoValidations(ctx, tx, fresh, now)
	if err != nil {
		return err
	}
	if err := tx.RevisionAppendBatch(ctx, revs); err != nil {
		return fmt.Errorf("record ingest revisions: %w", err)
	}
	if err := e.linkTwins(ctx, tx, fresh, now); err != nil {
		return err
	}
	if err := tx.ValidationUpsertBatch(ctx, vals); err != nil {
		return fmt.Errorf("schedule validations: %w", err)
	}
	for _, a := range fresh {
		if err := e.linkLateMember(ctx, tx, a, now); err != nil {
			return err
		}
	}
	events := make([]Event, len(fresh))
	for i, a := range fresh {
		events[i] = alertEvent(TriggerAlertCreated, a, nil)
	}
	return e.fire(ctx, tx, events...)
}

// autoValidations schedules validation for the new open alerts that
// their integration's auto-validate policy admits, within its cap.
func (e *Engine) autoValidations(ctx context.Context, tx store.Tx, fresh []*model.Alert, now time.Time) ([]store.Validation, error) {
	var vals []store.Validation
	active := map[string]int{}
	for _, a := range fresh {
		in, ok := e.Integration(a.Integration)
		if !ok || !in.Policy.AutoValidate.Enabled || !a.Status.Open() {
			continue
		}
		n, seen := active[a.Integration]
		if !seen {
			var err error
			if n, err = tx.ValidationActive(ctx, a.Integration, in.Policy.AutoValidate.MaxActive); err != nil {
				return nil, fmt.Errorf("count validations: %w", err)
			}
		}
		if in.Policy.AutoValidate.Admits(a.Severity, n) {
			vals = append(vals, store.Validation{AlertID: a.ID, StartedAt: now, NextPassAt: now, EndsAt: now.Add(e.window)})
			n++
		}
		active[a.Integration] = n
	}
	return vals, nil
}

// ingestExisting merges a re-delivered alert. The local status (set by a
// verdict) is only replaced when the vendor's own status changed, and a
// vendor status that matches what alertsync itself wrote is an echo.
func (e *Engine) ingestExisting(ctx context.Context, tx store.Tx, old model.Alert, a *model.Alert, now time.Time) (ingestOutcome, error) {
	if bytes.Equal(old.Raw, a.Raw) && len(a.Raw) > 0 {
		*a = old
		return outcomeUnchanged, nil
	}
	if !a.UpdatedAt.IsZero() && a.UpdatedAt.Before(old.UpdatedAt) {
		*a = old
		return outcomeStale, nil
	}
	merged := mergeRemote(old, *a)
	changes := model.MaterialChanges(old, merged)
	if slices.Contains(changes, "remote_status") {
		echo, err := consumeLedger(ctx, tx, merged.Integration, model.KindAlert, merged.VendorID, merged.Status, merged.RemoteStatus)
		if err != nil {
			return 0, err
		}
		if echo {
			// Our own write coming back: keep the local status (a newer
			// verdict may have moved it on) and do not credit the vendor
			// with the change; other fields that changed still count.
			merged.Status = old.Status
			changes = withoutStatus(changes)
			if len(changes) == 0 {
				if err := tx.AlertUpdate(ctx, merged); err != nil {
					return 0, fmt.Errorf("refresh alert %d: %w", old.ID, err)
				}
				*a = merged
				return outcomeEcho, nil
			}
		}
	}
	if len(changes) == 0 {
		if err := tx.AlertUpdate(ctx, merged); err != nil {
			return 0, fmt.Errorf("refresh alert %d: %w", old.ID, err)
		}
		*a = merged
		return outcomeUnchanged, nil
	}
	merged.Revision = old.Revision + 1
	merged.LastChangedAt = now
	if err := tx.AlertUpdate(ctx, merged); err != nil {
		return 0, fmt.Errorf("update alert %d: %w", old.ID, err)
	}
	actor := model.Actor{Kind: model.ActorRemote, Name: old.Integration}
	if err := appendRevision(ctx, tx, model.KindAlert, merged.ID, merged.Revision, actor, "changed at the source", changes, merged, now); err != nil {
		return 0, err
	}
	*a = merged
	if err := e.fire(ctx, tx, alertEvent(TriggerAlertUpdated, &merged, changes)); err != nil {
		return 0, err
	}
	if slices.Contains(changes, "remote_status") {
		if err := e.yieldToSource(ctx, tx, merged.Integration, model.KindAlert, merged.VendorID, now); err != nil {
			return 0, err
		}
	}
	if slices.Contains(changes, "status") {
		if err := e.alertChanged(ctx, tx, merged, now); err != nil {
			return 0, err
		}
	}
	return outcomeUpdated, nil
}

// mergeRemote takes the vendor's view of the fields the vendor owns and
// keeps alertsync's own fields.
func mergeRemote(old, in model.Alert) model.Alert {
	m := in
	m.ID, m.Verdict, m.Published, m.IncidentID = old.ID, old.Verdict, old.Published, old.IncidentID
	m.FirstSeenAt, m.Revision, m.LastChangedAt = old.FirstSeenAt, old.Revision, old.LastChangedAt
	if in.RemoteStatus == old.RemoteStatus {
		m.Status = old.Status
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = old.CreatedAt
	}
	return m
}

// withoutStatus drops the status fields from a change list.
func withoutStatus(changes []string) []string {
	return slices.DeleteFunc(slices.Clone(changes), func(c string) bool { return c == "status" || c == "remote_status" })
}

// consumeLedger reports whether an object's new status is the value
// alertsync wrote. Matching entries (and older ones) are consumed; a status
// we did not write is a genuine remote change and clears the ledger for
// that object, so a later remote change to the same value is not mistaken
// for our echo. The ledger holds the canonical status alertsync wrote, and
// after delivery the vendor's own status string as well.
func consumeLedger(ctx context.Context, tx store.Tx, integration string, kind model.Kind, vendorID string, status model.Status, remote string) (bool, error) {
	entries, err := tx.LedgerList(ctx, integration, kind, vendorID)
	if err != nil {
		return false, fmt.Errorf("read ledger: %w", err)
	}
	match := -1
	for i, en := range entries {
		if en.RemoteStatus == string(status) || en.RemoteStatus == remote {
			match = i
		}
	}
	drop := entries
	if match >= 0 {
		drop = entries[:match+1]
	}
	for _, en := range drop {
		if err := tx.LedgerDelete(ctx, en.ID); err != nil {
			return false, fmt.Errorf("consume ledger: %w", err)
		}
	}
	return match >= 0, nil
}

// inLockOrder returns copies of items and owner in the order a batch
// writes them: items going to quarantine first, then the items of alerts
// already stored, by vendor id, then those of new alerts, in the order
// each alert first came; each alert's items keep their order. Updates
// then take their rows' locks in one order whatever order the vendor or
// the pushes gave: two replicas storing the same alerts (pushes of one
// vendor reaching both) queue on the first row they share instead of
// deadlocking, which on PostgreSQL costs a second (deadlock_timeout) and
// an aborted transaction. New alerts are written after the updates (as
// one insert), in the order they came, so their ids follow the vendor's
// order.
func inLockOrder(items []connector.Item, owner []int, existing map[string]model.Alert) ([]connector.Item, []int) {
	type place struct {
		group int    // 0 quarantine, 1 stored alert, 2 new alert
		id    string // a stored alert's vendor id
		first int    // where a new alert first came
	}
	places := make([]place, len(items))
	firstAt := map[string]int{}
	for i, it := range items {
		if it.Err != nil || it.Alert == nil {
			continue
		}
		id := vendorIDOf(it)
		if _, ok := existing[id]; ok {
			places[i] = place{group: 1, id: id}
			continue
		}
		if _, ok := firstAt[id]; !ok {
			firstAt[id] = i
		}
		places[i] = place{group: 2, first: firstAt[id]}
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := places[a], places[b]
		return cmp.Or(cmp.Compare(pa.group, pb.group), cmp.Compare(pa.id, pb.id), cmp.Compare(pa.first, pb.first))
	})
	sorted, owners := make([]connector.Item, len(items)), make([]int, len(items))
	for k, i := range order {
		sorted[k], owners[k] = items[i], owner[i]
	}
	return sorted, owners
}
