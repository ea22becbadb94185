package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

// directWriteback makes the flood phase's writes with nothing of the hub
// in between: fresh emulators seeded alike, each integration's connector
// built from the same settings, and per integration as many calls in
// flight as the outbox lets one lane have, bulk calls carrying as many
// objects as one outbox claim. It returns confirmed writes a second.
func directWriteback(ctx context.Context, h *syncHub, o Options) (float64, error) {
	set, err := registry.Start(registry.Options{Alerts: perVendor(o.Sync.Alerts), WorldSeed: 1, Unlimited: true,
		Latency: o.Sync.VendorLatency, Logger: o.Logger})
	if err != nil {
		return 0, err
	}
	srv := httptest.NewServer(set.Handler())
	defer srv.Close()
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	var lanes []directLane
	total := 0
	for _, in := range set.Integrations(srv.URL, nil, h.cfg.Engine.PollInterval) {
		c, err := connector.Build(in.Kind, connector.Deps{ID: in.ID, Logger: o.Logger, HTTP: srv.Client()}, in.Settings)
		if err != nil {
			return 0, fmt.Errorf("build %s: %w", in.ID, err)
		}
		ss, ok := c.(connector.StateSyncer)
		em, _ := set.Emulator(in.Kind)
		if !ok || em == nil {
			continue
		}
		var ids []string
		for _, obj := range em.Console().Objects() {
			if obj.Kind == registry.KindAlert && obj.State != registry.StateClosed {
				ids = append(ids, obj.ID)
			}
		}
		lanes = append(lanes, directLane{ss: ss, ids: ids, size: bulkSize(c, h.cfg.Outbox.Batch)})
		total += len(ids)
	}
	start := time.Now()
	errs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, l := range lanes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = l.run(ctx, h.cfg.Outbox.Workers) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return round(float64(total) / time.Since(start).Seconds()), nil
}

// bulkSize is how many objects one call carries: one, or for a bulk
// connector as many as an outbox claim holds, within the vendor's cap.
func bulkSize(c connector.Connector, claim int) int {
	if _, ok := c.(connector.BatchStateSyncer); !ok {
		return 1
	}
	if l, ok := c.(connector.BatchLimit); ok && l.MaxBatch() > 0 {
		return min(claim, l.MaxBatch())
	}
	return claim
}

// directLane writes one integration's alerts closed.
type directLane struct {
	ss   connector.StateSyncer
	ids  []string
	size int
}

func (l directLane) run(ctx context.Context, inFlight int) error {
	jobs := make(chan []string)
	errs := make([]error, inFlight)
	var wg sync.WaitGroup
	for w := range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ids := range jobs {
				if errs[w] == nil {
					errs[w] = l.write(ctx, ids)
				}
			}
		}()
	}
	for i := 0; i < len(l.ids); i += l.size {
		jobs <- l.ids[i:min(i+l.size, len(l.ids))]
	}
	close(jobs)
	wg.Wait()
	return errors.Join(errs...)
}

func (l directLane) write(ctx context.Context, ids []string) error {
	changes := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		changes[i] = connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusResolved,
			Verdict: model.VerdictNotAThreat, Reason: "bench", IdempotencyKey: "direct/" + id}
	}
	if bs, ok := l.ss.(connector.BatchStateSyncer); ok && len(changes) > 1 {
		res, err := bs.SetStates(ctx, changes)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return r.Err
			}
		}
		return nil
	}
	for _, ch := range changes {
		if _, err := l.ss.SetState(ctx, ch); err != nil {
			return err
		}
	}
	return nil
}
