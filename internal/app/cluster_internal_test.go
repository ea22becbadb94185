package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// TestStandbyWait: a standby replica asks for a lease every leaseTTL/3
// while its holder renews it, and just after it lapses once the holder
// has stopped, rather than up to leaseTTL/3 later.
func TestStandbyWait(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		until time.Time
		want  time.Duration
	}{
		{"just renewed", now.Add(leaseTTL), leaseTTL / 3},
		{"renewed a period ago", now.Add(leaseTTL - leaseTTL/3), leaseTTL / 3},
		{"holder stopped renewing", now.Add(2 * time.Second), 2*time.Second + leaseSlack},
		{"lapses now", now, leaseSlack},
		{"lapsed already", now.Add(-time.Second), leaseSlack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := standbyWait(tt.until, now); got != tt.want {
				t.Errorf("standbyWait = %v, want %v", got, tt.want)
			}
		})
	}
}

// leaseStore answers LeaseAcquire with lease, or with err; nothing else
// of the store is used.
type leaseStore struct {
	store.Store
	lease store.Lease
	err   error
}

func (s leaseStore) LeaseAcquire(context.Context, store.LeaseParams) (store.Lease, error) {
	return s.lease, s.err
}

// TestPollOnceSaysWhyItDidNotPoll: a poll another replica's lease
// refuses says until when that lease runs (the standby asks again just
// after), and one whose lease the store did not answer about says so,
// apart from a vendor's failure, so the loop asks again soon and keeps
// its poll backoff for the vendor's own errors.
func TestPollOnceSaysWhyItDidNotPoll(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	other := store.Lease{Name: "poll:edr", Holder: "replica-b", Epoch: 2, Until: now.Add(2 * time.Second)}
	tests := []struct {
		name      string
		st        leaseStore
		notHolder bool
		unknown   bool
	}{
		{"held by another replica", leaseStore{lease: other}, true, false},
		{"the store did not answer", leaseStore{err: errors.New("connection refused")}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &App{store: tt.st, opts: Options{Now: func() time.Time { return now }}, replica: "replica-a"}
			eng := engine.New(engine.Options{Now: a.opts.Now})
			eng.AddIntegration(engine.Integration{ID: "edr", Kind: "test"})
			ten := &tenant{a: a, id: store.DefaultTenant, engine: eng}
			err := ten.pollOnce(t.Context(), "edr")
			if got := errors.Is(err, errNotHolder); got != tt.notHolder {
				t.Errorf("pollOnce = %v: not holder %v, want %v", err, got, tt.notHolder)
			}
			if got := errors.Is(err, errLeaseUnknown); got != tt.unknown {
				t.Errorf("pollOnce = %v: lease unknown %v, want %v", err, got, tt.unknown)
			}
			if nh := (*notHolder)(nil); errors.As(err, &nh) {
				if nh.lease != other {
					t.Errorf("refusing lease = %+v, want %+v", nh.lease, other)
				}
				if w := standbyWait(nh.lease.Until, now); w != 2*time.Second+leaseSlack {
					t.Errorf("standby asks again after %v, want just after the lease's end", w)
				}
			}
		})
	}
}
