package store

import (
	"context"
	"errors"
	"time"
)

// ErrFenced is returned by a write stamped with a lease the writer no
// longer holds: another replica has taken the job over.
var ErrFenced = errors.New("lease lost to another holder")

// Lease is who holds a named job and until when. Epoch grows each time
// the lease changes hands.
type Lease struct {
	Name      string    `json:"name"`
	Holder    string    `json:"holder"`
	Epoch     int64     `json:"epoch"`
	Until     time.Time `json:"until"`
	Since     time.Time `json:"since"`
	RenewedAt time.Time `json:"renewed_at"`
}

// Held reports whether holder holds l at now.
func (l Lease) Held(holder string, now time.Time) bool {
	return l.Holder == holder && l.Until.After(now)
}

// LeaseParams ask for (or renew) a lease until Now+TTL.
type LeaseParams struct {
	Name   string
	Holder string
	Now    time.Time
	TTL    time.Duration
}

// Leases are the store's leadership leases: one row per name, taken by a
// single statement, so two replicas asking at once cannot both win.
type Leases interface {
	// LeaseAcquire takes the lease if it is free, expired or already the
	// holder's (a renewal), and returns it as it stands after: held by
	// p.Holder when it was won, by the other holder otherwise.
	LeaseAcquire(ctx context.Context, p LeaseParams) (Lease, error)
	// LeaseRelease gives up a lease the holder holds, so another replica
	// takes it at once instead of after it expires.
	LeaseRelease(ctx context.Context, name, holder string) error
	// LeaseList returns every lease in name order.
	LeaseList(ctx context.Context) ([]Lease, error)
}

// LeaseTx is the fencing check a transaction makes before a write only
// the lease's holder may make (an integration's cursor).
type LeaseTx interface {
	// LeaseCheck returns ErrFenced unless holder still holds the lease
	// at epoch: no other holder has taken it since (a lease that lapsed
	// without being taken over still passes). now is when the check is
	// made, for the record.
	LeaseCheck(ctx context.Context, name, holder string, epoch int64, now time.Time) error
}
