package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// testTxRollback checks that a failed or cancelled transaction leaves
// nothing behind: not the change, not its revision, not its outbox entry.
func testTxRollback(t *testing.T, s *Both) {
	ctx := t.Context()
	errBoom := errors.New("boom")
	var alertID int64
	err := s.WithTx(ctx, func(tx store.Tx) error {
		a := newAlert("a", "rolled-back")
		if err := tx.AlertInsert(ctx, &a); err != nil {
			return err
		}
		alertID = a.ID
		if _, _, err := tx.OutboxEnqueue(ctx, action("k", "alert:rolled-back")); err != nil {
			return err
		}
		if err := tx.CursorSet(ctx, "a", "alerts", "c", t0); err != nil {
			return err
		}
		if err := tx.RevisionAppend(ctx, model.Revision{Kind: model.KindAlert, ObjectID: a.ID, Seq: 1, At: t0}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("WithTx = %v, want fn's error", err)
	}
	_, err = s.AlertGet(ctx, alertID)
	wantNotFound(t, "alert after rollback", err)
	_, err = s.CursorGet(ctx, "a", "alerts")
	wantNotFound(t, "cursor after rollback", err)
	revs, err := s.RevisionList(ctx, store.RevisionListParams{Kind: model.KindAlert, ObjectID: alertID})
	if err != nil || len(revs) != 0 {
		t.Errorf("revisions after rollback = %v, %v", revs, err)
	}
	counts, err := s.OutboxCounts(ctx)
	if err != nil || counts[store.OutboxPending] != 0 {
		t.Errorf("outbox after rollback = %v, %v", counts, err)
	}
	// The key is free again: the rolled back enqueue left nothing.
	enqueue(t, s, action("k", "alert:1"))

	// Cancelling the context stops the next statement, and a transaction
	// whose fn ignores that still does not commit.
	for _, ignore := range []bool{false, true} {
		cctx, cancel := context.WithCancel(ctx)
		err = s.WithTx(cctx, func(tx store.Tx) error {
			a := newAlert("a", fmt.Sprint("cancelled-", ignore))
			if err := tx.AlertInsert(cctx, &a); err != nil {
				return err
			}
			cancel()
			b := newAlert("a", "after-cancel")
			err := tx.AlertInsert(cctx, &b)
			if ignore {
				return nil
			}
			return err
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WithTx cancelled (fn ignores: %v) = %v, want context.Canceled", ignore, err)
		}
		_, err = s.AlertGetByVendor(ctx, "a", fmt.Sprint("cancelled-", ignore))
		wantNotFound(t, "alert written before cancel", err)
	}
}
