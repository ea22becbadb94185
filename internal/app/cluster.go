package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/store"
)

// Replicas: several `alertsync serve` share one PostgreSQL. The outbox
// already spreads across them (claims skip rows another holds); polling
// must not, or every replica would fetch every page. Each integration's
// poller therefore runs on the replica holding its lease in the store,
// renewed every leaseTTL/3 and taken over by another replica once it
// lapses, so a dead or partitioned holder's polling moves within
// leaseTTL and a moment (standbyWait). Every cursor write checks the
// lease's epoch in its transaction: a replica that lost the lease
// without noticing (a long pause) has its cursor write refused and
// stops, instead of moving the cursor under the new holder. On one
// machine the only replica simply holds every lease.

// leaseTTL is how long a lease lives unrenewed: a holder's death moves
// its jobs within leaseTTL plus one renewal interval.
const leaseTTL = 10 * time.Second

// errNotHolder is PollOnce's answer when another replica polls the
// integration (a *notHolder says which, and until when).
var errNotHolder = errors.New("another replica polls this integration")

// notHolder is errNotHolder with the lease that refused the poll.
type notHolder struct{ lease store.Lease }

func (e *notHolder) Error() string { return errNotHolder.Error() + ": " + e.lease.Holder }
func (e *notHolder) Unwrap() error { return errNotHolder }

// errLeaseUnknown is PollOnce's answer when the store did not say who
// holds the poll lease: it failed to answer.
var errLeaseUnknown = errors.New("take the poll lease")

// leaseRetry is how soon a loop asks again for a lease the store failed
// to answer about.
const leaseRetry = time.Second

// leaseSlack is how long after a lease's end a standby replica asks for
// it: a moment, so the ask does not land just before the end.
const leaseSlack = 50 * time.Millisecond

// standbyWait is how long a standby replica waits before asking again
// for a lease another holds until until: every leaseTTL/3 while the
// holder renews it, but no later than just after until. The holder
// renews every leaseTTL/3, moving until leaseTTL ahead, so a live
// holder's lease always ends further off than that; once until comes
// nearer, the holder has stopped renewing, and the standby asks the
// moment the lease lapses instead of up to leaseTTL/3 after.
func standbyWait(until, now time.Time) time.Duration {
	return max(min(leaseTTL/3, until.Sub(now)+leaseSlack), leaseSlack)
}

// newReplicaID names this process among the replicas: host, pid and a
// random suffix, so a restarted process is a new replica.
func newReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "alertsync"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Replica is this process's replica id.
func (a *App) Replica() string { return a.replica }

func replicaLeaseName(id string) string { return "replica:" + id }

// holdLease takes or renews a lease for this replica and reports whether
// it holds it now.
func (a *App) holdLease(ctx context.Context, name string) (store.Lease, bool, error) {
	now := a.opts.Now().UTC()
	l, err := a.store.LeaseAcquire(ctx, store.LeaseParams{Name: name, Holder: a.replica, Now: now, TTL: leaseTTL})
	if err != nil {
		return store.Lease{}, false, err
	}
	return l, l.Held(a.replica, now), nil
}

// heartbeatLoop keeps this replica's presence lease alive, which is how
// GET /api/v1/cluster lists the live replicas.
func (a *App) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(leaseTTL / 3)
	defer t.Stop()
	for {
		if _, _, err := a.holdLease(ctx, replicaLeaseName(a.replica)); err != nil && ctx.Err() == nil {
			a.log.Warn("replica heartbeat failed", "replica", a.replica, "err", err)
		} else if err == nil {
			a.shareBudgets(ctx)
			if err := a.syncTenants(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("tenants not synced", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			a.releaseLease(replicaLeaseName(a.replica))
			return
		case <-t.C:
		}
	}
}

// shareBudgets makes this replica spend its share of every vendor
// budget: 1/N of it, N being the replicas alive now (their presence
// leases), so N replicas together stay within a vendor's quota.
func (a *App) shareBudgets(ctx context.Context) {
	// Only PostgreSQL is shared by replicas. On SQLite the one process is
	// the only replica, whatever presence a restarted process left behind
	// (and the budgets are process-wide: a test running several hubs in
	// one process must not have one hub's count divide the others').
	if a.store.Driver() != "postgres" {
		return
	}
	leases, err := a.store.LeaseList(ctx)
	if err != nil {
		return
	}
	now, n := a.opts.Now().UTC(), 0
	for _, l := range leases {
		if strings.HasPrefix(l.Name, replicaLeaseName("")) && l.Until.After(now) {
			n++
		}
	}
	if httpkit.ShareBudgets(n) {
		a.log.Info("vendor budgets shared among the live replicas", "replicas", max(n, 1))
	}
}

// releaseLease gives a lease up on the way out, so another replica takes
// the job at once rather than after leaseTTL.
func (a *App) releaseLease(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.store.LeaseRelease(ctx, name, a.replica); err != nil {
		a.log.Debug("release lease", "lease", name, "err", err)
	}
}

// releaseAll hands back every lease this replica holds: a replica that
// stops leaves its jobs to the others at once.
func (a *App) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	leases, err := a.store.LeaseList(ctx)
	if err != nil {
		a.log.Debug("list leases to release", "err", err)
		return
	}
	for _, l := range leases {
		if l.Holder == a.replica {
			a.releaseLease(l.Name)
		}
	}
}

// singletonLoop runs fn every interval on whichever replica holds the
// job's lease ("job:<name>"), renewing it every leaseTTL/3 meanwhile, so
// a job scheduled by time (validation passes, playbook schedules, ledger
// pruning) runs once per interval, not once per replica; when the holder
// dies, another takes the job over as its lease lapses (standbyWait). fn
// runs first at once, as the loops did before there were replicas.
func (a *App) singletonLoop(ctx context.Context, name string, every time.Duration, fn func(context.Context)) {
	period := min(every, leaseTTL/3)
	var last time.Time
	for {
		wait := period
		l, held, err := a.holdLease(ctx, "job:"+name)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("job lease", "job", name, "err", err)
			wait = min(period, leaseRetry)
		case err == nil && !held:
			wait = min(period, standbyWait(l.Until, a.opts.Now()))
		case held && (last.IsZero() || time.Since(last) >= every):
			last = time.Now()
			fn(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
