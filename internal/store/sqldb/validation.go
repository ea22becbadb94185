package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func scanValidation(s scanner) (store.Validation, error) {
	var (
		v                   store.Validation
		started, next, ends int64
	)
	err := s.Scan(&v.AlertID, &started, &next, &ends, &v.Passes, &v.Done, &v.Found)
	v.StartedAt, v.NextPassAt, v.EndsAt = fromMicros(started), fromMicros(next), fromMicros(ends)
	return v, err
}

// ValidationDue returns unfinished validations whose next pass is due,
// soonest first.
func (c *conn) ValidationDue(ctx context.Context, now time.Time, n int) ([]store.Validation, error) {
	rows, err := c.query(ctx, qValidationDue, micros(now), limit(n))
	if err != nil {
		return nil, fmt.Errorf("list due validations: %w", err)
	}
	out, err := collect(rows, scanValidation)
	if err != nil {
		return nil, fmt.Errorf("list due validations: %w", err)
	}
	return out, nil
}

// ValidationGet returns the schedule of one alert.
func (c *conn) ValidationGet(ctx context.Context, alertID int64) (store.Validation, error) {
	row, err := c.queryRow(ctx, qValidationGet, alertID)
	if err != nil {
		return store.Validation{}, fmt.Errorf("get validation: %w", err)
	}
	v, err := scanValidation(row)
	if err != nil {
		return v, fmt.Errorf("get validation of alert %d: %w", alertID, notFound(err))
	}
	return v, nil
}

// ValidationActive counts the integration's alerts under validation, up
// to upTo.
func (c *conn) ValidationActive(ctx context.Context, integration string, upTo int) (int, error) {
	row, err := c.queryRow(ctx, qValidationActive, integration, upTo)
	if err != nil {
		return 0, fmt.Errorf("count active validations: %w", err)
	}
	var n int
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("count active validations: %w", err)
	}
	return n, nil
}

// ValidationUpsert creates or replaces the schedule of v.AlertID.
func (t *tx) ValidationUpsert(ctx context.Context, v store.Validation) error {
	err := t.exec(ctx, qValidationUpsert, v.AlertID, micros(v.StartedAt),
		micros(v.NextPassAt), micros(v.EndsAt), v.Passes, v.Done, v.Found)
	if err != nil {
		return fmt.Errorf("upsert validation: %w", err)
	}
	return nil
}

func scanLedger(s scanner) (store.LedgerEntry, error) {
	var (
		e  store.LedgerEntry
		at int64
	)
	err := s.Scan(&e.ID, &e.Integration, &e.Kind, &e.VendorID, &e.RemoteStatus, &at)
	e.At = fromMicros(at)
	return e, err
}

// LedgerList returns what was written to one remote object, oldest first.
func (c *conn) LedgerList(ctx context.Context, integration string, kind model.Kind, vendorID string) ([]store.LedgerEntry, error) {
	rows, err := c.query(ctx, qLedgerList, integration, string(kind), vendorID)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	out, err := collect(rows, scanLedger)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	return out, nil
}

// LedgerAdd records a value written to a remote object.
func (t *tx) LedgerAdd(ctx context.Context, e store.LedgerEntry) error {
	err := t.exec(ctx, qLedgerAdd, e.Integration, string(e.Kind), e.VendorID, e.RemoteStatus, micros(e.At))
	if err != nil {
		return fmt.Errorf("add ledger entry: %w", err)
	}
	return nil
}

// LedgerDelete removes one entry; deleting a missing entry is not an error
// because an echo may be consumed twice.
func (t *tx) LedgerDelete(ctx context.Context, id int64) error {
	if err := t.exec(ctx, qLedgerDelete, id); err != nil {
		return fmt.Errorf("delete ledger entry: %w", err)
	}
	return nil
}

// LedgerPrune removes entries written before cutoff.
func (t *tx) LedgerPrune(ctx context.Context, cutoff time.Time) error {
	if err := t.exec(ctx, qLedgerPrune, micros(cutoff)); err != nil {
		return fmt.Errorf("prune ledger: %w", err)
	}
	return nil
}
