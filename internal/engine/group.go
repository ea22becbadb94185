package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// ingestGroup commits small concurrent ingests together: pushes arrive
// one alert a request, and one transaction each would make the store's
// commit, not the work, the limit. The first caller in becomes the
// leader and commits whatever the others queued meanwhile, in one
// transaction, until nothing waits; each caller still gets its own
// result, and a group the store refuses is retried one caller at a time.
type ingestGroup struct {
	mu      sync.Mutex
	pending []*ingestReq
	leading bool
}

type ingestReq struct {
	integration string
	items       []connector.Item
	res         IngestResult
	err         error
	done        chan struct{}
}

// groupable reports whether an ingest is small enough to share a
// transaction with others.
func (e *Engine) groupable(items []connector.Item) bool {
	return len(items) > 0 && len(items) <= e.batch/8
}

// ingestGrouped queues the ingest and waits for its group's commit,
// leading the group if none is being committed.
func (e *Engine) ingestGrouped(ctx context.Context, integration string, items []connector.Item) (IngestResult, error) {
	req := &ingestReq{integration: integration, items: items, done: make(chan struct{})}
	g := &e.group
	g.mu.Lock()
	g.pending = append(g.pending, req)
	lead := !g.leading
	g.leading = g.leading || lead
	g.mu.Unlock()
	if lead {
		// The group outlives a leader whose caller gave up: the others'
		// items are in it.
		e.leadGroups(context.WithoutCancel(ctx), req)
	}
	select {
	case <-req.done:
		return req.res, req.err
	case <-ctx.Done():
		return IngestResult{}, ctx.Err()
	}
}

// leadGroups commits queued ingests, a transaction of up to batch items
// at a time, until none waits. Once own is committed, a caller hands the
// lead to a goroutine rather than keep its own answer waiting on others.
func (e *Engine) leadGroups(ctx context.Context, own *ingestReq) {
	g := &e.group
	for {
		if own != nil && isDone(own.done) {
			go e.leadGroups(ctx, nil)
			return
		}
		g.mu.Lock()
		var batch []*ingestReq
		n := 0
		for len(g.pending) > 0 && (len(batch) == 0 || n+len(g.pending[0].items) <= e.batch) {
			n += len(g.pending[0].items)
			batch, g.pending = append(batch, g.pending[0]), g.pending[1:]
		}
		if len(batch) == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		e.commitGroup(ctx, batch)
	}
}

func (e *Engine) commitGroup(ctx context.Context, batch []*ingestReq) {
	err := e.withTx(ctx, func(tx store.Tx) error {
		// One batch per integration, so the group's lookups and inserts
		// are as few statements as one caller's would be.
		res := make([]IngestResult, len(batch))
		if err := e.lockMembers(ctx, tx, integrationsOf(batch)...); err != nil {
			return err
		}
		itemsOf := make([][]connector.Item, len(batch))
		for i, r := range batch {
			itemsOf[i] = r.items
		}
		if err := lockTwins(ctx, tx, itemsOf...); err != nil {
			return err
		}
		for _, integration := range integrationsOf(batch) {
			var items []connector.Item
			var owner []int
			for i, r := range batch {
				if r.integration == integration {
					items = append(items, r.items...)
					for range r.items {
						owner = append(owner, i)
					}
				}
			}
			if err := e.ingestBatchFor(ctx, tx, integration, items, owner, res); err != nil {
				return err
			}
		}
		for i, r := range batch {
			r.res = res[i]
		}
		return nil
	})
	for _, r := range batch {
		if err != nil {
			// One item the store refuses must not take the others'
			// with it: each caller's items go again on their own.
			r.res, r.err = e.ingestChunk(ctx, r.integration, r.items)
		}
		if r.err != nil {
			r.err = fmt.Errorf("ingest %s: %w", r.integration, r.err)
		} else {
			e.metrics.countIngest(r.integration, string(model.KindAlert), r.res)
		}
		close(r.done)
	}
}

func isDone(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// integrationsOf lists the batch's integrations in first-seen order.
func integrationsOf(batch []*ingestReq) []string {
	var out []string
	for _, r := range batch {
		if !slices.Contains(out, r.integration) {
			out = append(out, r.integration)
		}
	}
	return out
}
