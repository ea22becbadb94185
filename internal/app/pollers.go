package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	promreg "github.com/alertsync/alertsync/internal/metrics"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Cursor streams, one per kind of thing an integration is polled for.
const (
	streamAlerts    = "alerts"
	streamIncidents = "incidents"
	streamEvidence  = "evidence"
)

// maxPagesPerPoll bounds one poll so a huge backlog cannot starve others.
const maxPagesPerPoll = 100

// pollMetrics tell an operator which integration stopped polling and why.
type pollMetrics struct {
	failures *prometheus.CounterVec
	success  *prometheus.GaugeVec
	standby  *prometheus.CounterVec
}

func newPollMetrics(reg prometheus.Registerer) *pollMetrics {
	return &pollMetrics{
		failures: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_poll_failures_total", Help: "Failed polls of a source, by error class.",
		}, []string{"tenant", "integration", "class"})),
		success: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alertsync_poll_last_success_timestamp_seconds", Help: "When a source was last polled successfully.",
		}, []string{"tenant", "integration"})),
		standby: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_poll_standby_total",
			Help: "Polls this replica did not run because another replica holds the integration's poll lease.",
		}, []string{"tenant", "integration"})),
	}
}

// startPollers starts a poller for each of the tenant's integrations that
// can be polled, until ctx ends or the tenant stops.
func (t *tenant) startPollers(ctx context.Context, pm *pollMetrics) {
	for _, in := range t.engine.Integrations() {
		caps := connector.CapabilitiesOf(in.Connector)
		if !caps.Ingest && !caps.Incidents && !caps.Evidence {
			continue
		}
		t.loops.Add(1)
		go func() { defer t.loops.Done(); t.pollLoop(ctx, in, pm) }()
	}
}

// pollLoop polls one integration every poll interval, sooner after a page
// that said more is waiting, later after an error (per its class), while
// this replica holds the integration's poll lease; it renews the lease
// every leaseTTL/3 in between, and while another replica holds it, asks
// again as often, and the moment the holder's lease lapses, ready to
// take over (standbyWait).
func (t *tenant) pollLoop(ctx context.Context, in engine.Integration, pm *pollMetrics) {
	a := t.a
	log := a.log.With("tenant", t.id, "connector", in.ID)
	lease := t.pollLeaseName(in.ID)
	defer a.releaseLease(lease)
	failures := 0
	next := time.Now()
	holding, answered := false, false
	for ctx.Err() == nil {
		if !time.Now().Before(next) {
			err := t.pollOnce(ctx, in.ID)
			switch {
			case errors.Is(err, errNotHolder):
				if holding {
					log.Info("poll lease lost: another replica polls now")
				}
				// Ask again when the holder's lease could have lapsed, not
				// at once: next is still in the past, and without this the
				// loop asked the store for the lease without pause.
				holding = false
				wait := leaseTTL / 3
				if nh := (*notHolder)(nil); errors.As(err, &nh) {
					wait = standbyWait(nh.lease.Until, a.opts.Now())
				}
				next = time.Now().Add(wait)
				pm.standby.WithLabelValues(t.id, in.ID).Inc()
			case errors.Is(err, errLeaseUnknown) && ctx.Err() == nil:
				// The store did not answer (a restart, a cut connection):
				// nothing says the vendor failed, so no poll backoff, and
				// the lease is asked for again soon, so that one lapsed
				// meanwhile is taken once the store is back, not up to
				// leaseTTL/3 later.
				next = time.Now().Add(leaseRetry)
				log.Warn("poll lease unknown: the store did not answer", "retry_in", leaseRetry, "err", err)
			case err != nil && ctx.Err() == nil:
				holding = true
				failures++
				wait := pollBackoff(err, failures, a.cfg.Engine.PollInterval)
				next = time.Now().Add(wait)
				pm.failures.WithLabelValues(t.id, in.ID, string(connector.ClassOf(err))).Inc()
				log.Warn("poll failed", "class", connector.ClassOf(err), "retry_in", wait, "err", err)
			case ctx.Err() == nil:
				if !holding {
					log.Debug("poll lease held", "replica", a.replica)
				}
				if failures > 0 || !answered {
					// The vendor answers (again, or for the first time
					// since this process started): writes that failed
					// while it did not need not wait out their backoff.
					a.worker.Expedite(ctx, store.Lane{Tenant: t.id, Integration: in.ID})
				}
				holding, failures, answered = true, 0, true
				next = time.Now().Add(a.cfg.Engine.PollInterval)
				pm.success.WithLabelValues(t.id, in.ID).SetToCurrentTime()
			}
		} else if _, held, err := a.holdLease(ctx, lease); err == nil && held != holding {
			holding = held
			if !held {
				log.Info("poll lease lost: another replica polls now")
				next = time.Now()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Until(next), leaseTTL/3)):
		}
	}
}

func pollBackoff(err error, failures int, base time.Duration) time.Duration {
	if ra := connector.RetryAfterOf(err); ra > 0 {
		return ra
	}
	d := base
	for i := 1; i < failures && d < 15*time.Minute; i++ {
		d *= 2
	}
	return min(d, 15*time.Minute)
}

// PollOnce fetches everything new from one integration of the default
// tenant; see tenant.pollOnce.
func (a *App) PollOnce(ctx context.Context, id string) error { return a.def.pollOnce(ctx, id) }

// PollTenant is PollOnce for an integration of any running tenant.
func (a *App) PollTenant(ctx context.Context, tenantID, id string) error {
	t, ok := a.tenant(tenantID)
	if !ok {
		return fmt.Errorf("tenant %q is not running", tenantID)
	}
	return t.pollOnce(ctx, id)
}

// pollLeaseName is the lease an integration's poller holds: one replica
// polls each tenant's integration. The default tenant's keep the name
// they had before tenants (poll:<id>), the others' are poll:<tenant>/<id>.
func (t *tenant) pollLeaseName(id string) string {
	return "poll:" + store.Lane{Tenant: t.id, Integration: id}.String()
}

// pollOnce fetches everything new from one integration: alerts first,
// then incidents, so incident membership can link to alerts already
// stored.
func (t *tenant) pollOnce(ctx context.Context, id string) error {
	a := t.a
	in, ok := t.engine.Integration(id)
	if !ok {
		return fmt.Errorf("integration %q is not configured", id)
	}
	lease, held, err := a.holdLease(ctx, t.pollLeaseName(id))
	if err != nil {
		return fmt.Errorf("%w: %w", errLeaseUnknown, err)
	}
	if !held {
		return &notHolder{lease: lease}
	}
	ctx = withPollLease(ctx, lease)
	// Polls share the vendor's rate budget with write-back and stand back
	// while a write waits for it.
	ctx = connector.Background(ctx)
	if src, ok := in.Connector.(connector.AlertSource); ok {
		if err := t.pollAlerts(ctx, in.ID, src); err != nil {
			return err
		}
	}
	if src, ok := in.Connector.(connector.IncidentSource); ok {
		if err := t.pollIncidents(ctx, in.ID, src); err != nil {
			return err
		}
	}
	if src, ok := in.Connector.(connector.EvidenceSource); ok {
		if err := t.pollEvidence(ctx, in.ID, src); err != nil {
			return err
		}
	}
	a.worker.Wake()
	return nil
}

func (t *tenant) pollEvidence(ctx context.Context, id string, src connector.EvidenceSource) error {
	return pollStream(ctx, t, id, streamEvidence,
		func(ctx context.Context, cursor string) ([]connector.EvidenceItem, string, bool, error) {
			p, err := src.FetchEvidence(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.EvidenceItem) error {
			_, err := t.engine.IngestEvidence(ctx, id, items)
			return err
		})
}

func (t *tenant) pollAlerts(ctx context.Context, id string, src connector.AlertSource) error {
	return pollStream(ctx, t, id, streamAlerts,
		func(ctx context.Context, cursor string) ([]connector.Item, string, bool, error) {
			p, err := src.FetchAlerts(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.Item) error {
			_, err := t.engine.Ingest(ctx, id, items)
			return err
		})
}

func (t *tenant) pollIncidents(ctx context.Context, id string, src connector.IncidentSource) error {
	return pollStream(ctx, t, id, streamIncidents,
		func(ctx context.Context, cursor string) ([]connector.IncidentItem, string, bool, error) {
			p, err := src.FetchIncidents(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.IncidentItem) error {
			_, err := t.engine.IngestIncidents(ctx, id, items)
			return err
		})
}

// pollStream pages one cursor stream: fetch from the saved cursor, store
// the page, then save the page's cursor, until the source says no more
// (or maxPagesPerPoll pages). The cursor moves only after the page is
// stored, so a crash re-fetches rather than loses.
func pollStream[T any](ctx context.Context, t *tenant, id, stream string,
	fetch func(ctx context.Context, cursor string) ([]T, string, bool, error),
	save func(ctx context.Context, items []T) error,
) error {
	for range maxPagesPerPoll {
		// A long poll renews its lease page by page.
		if _, held, err := t.a.holdLease(ctx, t.pollLeaseName(id)); err != nil || !held {
			return cmp.Or(err, errNotHolder)
		}
		cursor, err := t.cursor(ctx, id, stream)
		if err != nil {
			return fmt.Errorf("read %s cursor: %w", stream, err)
		}
		items, next, more, err := fetch(ctx, cursor)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", stream, err)
		}
		if err := save(ctx, items); err != nil {
			return err
		}
		if err := t.saveCursor(ctx, id, stream, next); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

// cursor returns the saved position of a stream, "" before the first poll.
func (t *tenant) cursor(ctx context.Context, id, stream string) (string, error) {
	c, err := t.scope.CursorGet(ctx, id, stream)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return c, err
}

func (t *tenant) saveCursor(ctx context.Context, id, stream, cursor string) error {
	if cursor == "" {
		return nil
	}
	err := t.scope.WithTx(ctx, func(tx store.Tx) error {
		now := t.a.opts.Now().UTC()
		if l, ok := pollLeaseOf(ctx); ok {
			if err := tx.LeaseCheck(ctx, l.Name, l.Holder, l.Epoch, now); err != nil {
				return fmt.Errorf("%w: %w", errNotHolder, err)
			}
		}
		return tx.CursorSet(ctx, id, stream, cursor, now)
	})
	if err != nil {
		return fmt.Errorf("save %s cursor: %w", stream, err)
	}
	return nil
}

type pollLeaseKey struct{}

// withPollLease carries the lease a poll holds to its cursor writes.
func withPollLease(ctx context.Context, l store.Lease) context.Context {
	return context.WithValue(ctx, pollLeaseKey{}, l)
}

func pollLeaseOf(ctx context.Context) (store.Lease, bool) {
	l, ok := ctx.Value(pollLeaseKey{}).(store.Lease)
	return l, ok
}
