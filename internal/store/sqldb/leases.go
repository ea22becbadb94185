package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// LeaseAcquire implements store.Leases: the upsert and the read of its
// outcome share a transaction, so the answer is what the upsert left.
func (db *DB) LeaseAcquire(ctx context.Context, p store.LeaseParams) (store.Lease, error) {
	var l store.Lease
	err := db.withTx(ctx, "", func(t *tx) error {
		now := micros(p.Now)
		if err := t.exec(ctx, qLeaseAcquire, p.Name, p.Holder, micros(p.Now.Add(p.TTL)), now, now); err != nil {
			return err
		}
		var err error
		l, err = t.leaseGet(ctx, p.Name)
		return err
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("acquire lease %s: %w", p.Name, err)
	}
	return l, nil
}

// LeaseRelease implements store.Leases.
func (db *DB) LeaseRelease(ctx context.Context, name, holder string) error {
	err := db.withTx(ctx, "", func(t *tx) error {
		return t.exec(ctx, qLeaseRelease, name, holder)
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseList implements store.Leases.
func (db *DB) LeaseList(ctx context.Context) ([]store.Lease, error) {
	rows, err := db.sys().query(ctx, qLeaseList)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	out, err := collect(rows, scanLease)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	return out, nil
}

// LeaseCheck implements store.LeaseTx.
func (t *tx) LeaseCheck(ctx context.Context, name, holder string, epoch int64, _ time.Time) error {
	row, err := t.queryRow(ctx, qLeaseCheck, name)
	if err != nil {
		return fmt.Errorf("check lease %s: %w", name, err)
	}
	l, err := scanLease(row)
	if err != nil {
		return fmt.Errorf("check lease %s: %w", name, notFound(err))
	}
	// Holder and epoch are the fence: another replica taking the lease
	// over bumps the epoch. A lease that merely lapsed while its holder
	// worked (a long page under load) is still the holder's until someone
	// takes it, so the write stands.
	if l.Holder != holder || l.Epoch != epoch {
		return fmt.Errorf("%w: %s is %s's at epoch %d", store.ErrFenced, name, l.Holder, l.Epoch)
	}
	return nil
}

func (c *conn) leaseGet(ctx context.Context, name string) (store.Lease, error) {
	row, err := c.queryRow(ctx, qLeaseGet, name)
	if err != nil {
		return store.Lease{}, err
	}
	l, err := scanLease(row)
	return l, notFound(err)
}

func scanLease(s scanner) (store.Lease, error) {
	var (
		l                   store.Lease
		until, since, renew int64
	)
	err := s.Scan(&l.Name, &l.Holder, &l.Epoch, &until, &since, &renew)
	l.Until, l.Since, l.RenewedAt = fromMicros(until), fromMicros(since), fromMicros(renew)
	return l, err
}
