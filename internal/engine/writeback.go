package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// writeBack notes what the vendor now holds after a state write: a
// revision by alertsync's write-back, and the vendor's status string in
// the ledger so the next poll recognises it as our echo. If recording
// fails the vendor still has the change, and the ledger entry written at
// enqueue time still recognises the echo.
//
// It is an outbox.Batched record: the records of one finisher transaction
// are written together, a few statements for the lot (one ledger insert,
// one alert lookup, one update per status written, one revision insert),
// where one by one each took four round trips.
type writeBack struct {
	e           *Engine
	integration string
	ch          connector.StateChange
	rs          connector.RemoteState
	// found: an outcome check found the write already applied at the
	// vendor (an earlier attempt landed), so it was not sent again.
	found bool
}

// writeBackRecord returns the record of a state write, or nil when there
// is nothing to note.
func (e *Engine) writeBackRecord(integration string, ch connector.StateChange, rs connector.RemoteState) Record {
	if rs.RemoteStatus == "" && !rs.Unchanged {
		return nil
	}
	return &writeBack{e: e, integration: integration, ch: ch, rs: rs}
}

var writeBackActor = model.Actor{Kind: model.ActorWriteBack, Name: "alertsync"}

func (w *writeBack) reason() string {
	if w.found {
		return fmt.Sprintf("found %s already written to %s: an earlier attempt landed", w.rs.RemoteStatus, w.integration)
	}
	if w.rs.Unchanged {
		return fmt.Sprintf("%s was already %s; nothing written", w.integration, w.rs.RemoteStatus)
	}
	return fmt.Sprintf("wrote %s to %s", w.rs.RemoteStatus, w.integration)
}

// Record notes one write.
func (w *writeBack) Record(ctx context.Context, tx store.Tx) error {
	return w.RecordBatch(ctx, tx, []outbox.After{w})
}

// BatchGroup puts every write-back in one group.
func (w *writeBack) BatchGroup() string { return "engine.writeBack" }

// RecordBatch notes many writes together.
func (w *writeBack) RecordBatch(ctx context.Context, tx store.Tx, group []outbox.After) error {
	now := w.e.Now()
	var ledger []store.LedgerEntry
	alerts := map[string][]*writeBack{} // integration -> alert writes
	for _, a := range group {
		wb := a.(*writeBack)
		if err := wb.skipCompanions(ctx, tx, now); err != nil {
			return err
		}
		if wb.rs.RemoteStatus == "" {
			continue
		}
		ledger = append(ledger, store.LedgerEntry{Integration: wb.integration, Kind: wb.ch.Kind,
			VendorID: wb.ch.VendorID, RemoteStatus: wb.rs.RemoteStatus, At: now})
		if wb.ch.Kind == model.KindIncident {
			if err := recordIncidentWriteBack(ctx, tx, wb.integration, wb.ch.VendorID, wb.rs.RemoteStatus, writeBackActor, wb.reason(), now); err != nil {
				return err
			}
			continue
		}
		alerts[wb.integration] = append(alerts[wb.integration], wb)
	}
	if err := tx.LedgerAddBatch(ctx, ledger); err != nil {
		return fmt.Errorf("record writes in ledger: %w", err)
	}
	for integration, wbs := range alerts {
		if err := recordAlertWriteBacks(ctx, tx, integration, wbs, now); err != nil {
			return err
		}
	}
	return nil
}

// skipCompanions drops the actions that only made sense if the write
// changed something (a reconciliation's "why" comment).
func (w *writeBack) skipCompanions(ctx context.Context, tx store.Tx, now time.Time) error {
	if !w.rs.Unchanged {
		return nil
	}
	for _, key := range w.ch.Companions {
		if err := tx.OutboxSkip(ctx, key, "skipped: the target was already in the requested state", now); err != nil {
			return err
		}
	}
	return nil
}

// recordAlertWriteBacks sets the remote status of the written alerts of
// one integration and appends their revisions. The last write to an
// alert in the batch wins, as the outbox applies an object's writes in
// order.
func recordAlertWriteBacks(ctx context.Context, tx store.Tx, integration string, wbs []*writeBack, now time.Time) error {
	last := map[string]*writeBack{}
	ids := make([]string, 0, len(wbs))
	for _, wb := range wbs {
		if _, seen := last[wb.ch.VendorID]; !seen {
			ids = append(ids, wb.ch.VendorID)
		}
		last[wb.ch.VendorID] = wb
	}
	stored, err := tx.AlertsByVendor(ctx, integration, ids)
	if err != nil {
		return err
	}
	var changes []store.RemoteStatusChange
	var revs []model.Revision
	for _, id := range ids {
		a, ok := stored[id]
		wb := last[id]
		if !ok || a.RemoteStatus == wb.rs.RemoteStatus {
			continue
		}
		a.RemoteStatus = wb.rs.RemoteStatus
		a.Revision++
		a.LastChangedAt = now
		snap, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("snapshot alert %d: %w", a.ID, err)
		}
		changes = append(changes, store.RemoteStatusChange{ID: a.ID, Revision: a.Revision, RemoteStatus: a.RemoteStatus, At: now})
		revs = append(revs, model.Revision{Kind: model.KindAlert, ObjectID: a.ID, Seq: a.Revision, Actor: writeBackActor,
			Reason: wb.reason(), Changes: []string{"remote_status"}, Snapshot: snap, At: now})
	}
	if err := tx.AlertRemoteStatusBatch(ctx, changes); err != nil {
		return err
	}
	return tx.RevisionAppendBatch(ctx, revs)
}

var _ outbox.Batched = (*writeBack)(nil)
