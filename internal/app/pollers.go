package app

import (
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
}

func newPollMetrics(reg prometheus.Registerer) *pollMetrics {
	return &pollMetrics{
		failures: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_poll_failures_total", Help: "Failed polls of a source, by error class.",
		}, []string{"integration", "class"})),
		success: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alertsync_poll_last_success_timestamp_seconds", Help: "When a source was last polled successfully.",
		}, []string{"integration"})),
	}
}

func (a *App) startPollers(ctx context.Context) {
	pm := newPollMetrics(a.registry)
	for _, in := range a.engine.Integrations() {
		caps := connector.CapabilitiesOf(in.Connector)
		if !caps.Ingest && !caps.Incidents && !caps.Evidence {
			continue
		}
		a.goLoop(func() { a.pollLoop(ctx, in, pm) })
	}
}

// pollLoop polls one integration every poll interval, sooner after a page
// that said more is waiting, later after an error (per its class).
func (a *App) pollLoop(ctx context.Context, in engine.Integration, pm *pollMetrics) {
	log := a.log.With("connector", in.ID)
	failures := 0
	for ctx.Err() == nil {
		wait := a.cfg.Engine.PollInterval
		if err := a.PollOnce(ctx, in.ID); err != nil && ctx.Err() == nil {
			failures++
			wait = pollBackoff(err, failures, a.cfg.Engine.PollInterval)
			pm.failures.WithLabelValues(in.ID, string(connector.ClassOf(err))).Inc()
			log.Warn("poll failed", "class", connector.ClassOf(err), "retry_in", wait, "err", err)
		} else if ctx.Err() == nil {
			failures = 0
			pm.success.WithLabelValues(in.ID).SetToCurrentTime()
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
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

// PollOnce fetches everything new from one integration: alerts first, then
// incidents, so incident membership can link to alerts already stored.
func (a *App) PollOnce(ctx context.Context, id string) error {
	in, ok := a.engine.Integration(id)
	if !ok {
		return fmt.Errorf("integration %q is not configured", id)
	}
	// Polls share the vendor's rate budget with write-back and stand back
	// while a write waits for it.
	ctx = connector.Background(ctx)
	if src, ok := in.Connector.(connector.AlertSource); ok {
		if err := a.pollAlerts(ctx, in.ID, src); err != nil {
			return err
		}
	}
	if src, ok := in.Connector.(connector.IncidentSource); ok {
		if err := a.pollIncidents(ctx, in.ID, src); err != nil {
			return err
		}
	}
	if src, ok := in.Connector.(connector.EvidenceSource); ok {
		if err := a.pollEvidence(ctx, in.ID, src); err != nil {
			return err
		}
	}
	a.worker.Wake()
	return nil
}

func (a *App) pollEvidence(ctx context.Context, id string, src connector.EvidenceSource) error {
	return pollStream(ctx, a, id, streamEvidence,
		func(ctx context.Context, cursor string) ([]connector.EvidenceItem, string, bool, error) {
			p, err := src.FetchEvidence(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.EvidenceItem) error {
			_, err := a.engine.IngestEvidence(ctx, id, items)
			return err
		})
}

func (a *App) pollAlerts(ctx context.Context, id string, src connector.AlertSource) error {
	return pollStream(ctx, a, id, streamAlerts,
		func(ctx context.Context, cursor string) ([]connector.Item, string, bool, error) {
			p, err := src.FetchAlerts(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.Item) error {
			_, err := a.engine.Ingest(ctx, id, items)
			return err
		})
}

func (a *App) pollIncidents(ctx context.Context, id string, src connector.IncidentSource) error {
	return pollStream(ctx, a, id, streamIncidents,
		func(ctx context.Context, cursor string) ([]connector.IncidentItem, string, bool, error) {
			p, err := src.FetchIncidents(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(ctx context.Context, items []connector.IncidentItem) error {
			_, err := a.engine.IngestIncidents(ctx, id, items)
			return err
		})
}

// pollStream pages one cursor stream: fetch from the saved cursor, store
// the page, then save the page's cursor, until the source says no more
// (or maxPagesPerPoll pages). The cursor moves only after the page is
// stored, so a crash re-fetches rather than loses.
func pollStream[T any](ctx context.Context, a *App, id, stream string,
	fetch func(ctx context.Context, cursor string) ([]T, string, bool, error),
	save func(ctx context.Context, items []T) error,
) error {
	for range maxPagesPerPoll {
		cursor, err := a.cursor(ctx, id, stream)
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
		if err := a.saveCursor(ctx, id, stream, next); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

// cursor returns the saved position of a stream, "" before the first poll.
func (a *App) cursor(ctx context.Context, id, stream string) (string, error) {
	c, err := a.store.CursorGet(ctx, id, stream)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return c, err
}

func (a *App) saveCursor(ctx context.Context, id, stream, cursor string) error {
	if cursor == "" {
		return nil
	}
	err := a.store.WithTx(ctx, func(tx store.Tx) error {
		return tx.CursorSet(ctx, id, stream, cursor, a.opts.Now().UTC())
	})
	if err != nil {
		return fmt.Errorf("save %s cursor: %w", stream, err)
	}
	return nil
}
