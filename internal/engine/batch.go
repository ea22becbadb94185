package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// BatchKey groups outbox items that one bulk vendor call can deliver: state
// writes to a connector with a bulk API that differ only in the target
// object (an incident verdict fanned out to its member alerts). Items with
// the same non-empty key may be passed together to DeliverBatch; "" means
// the item goes alone.
func (e *Engine) BatchKey(item store.OutboxItem) string {
	if item.Action != ActionSetState {
		return ""
	}
	c, err := e.connectorFor(item.Integration)
	if err != nil {
		return ""
	}
	if _, ok := c.(connector.BatchStateSyncer); !ok {
		return ""
	}
	var ch connector.StateChange
	if err := json.Unmarshal(item.Payload, &ch); err != nil {
		return ""
	}
	ch.VendorID, ch.IdempotencyKey, ch.Companions = "", "", nil
	b, err := json.Marshal(ch)
	if err != nil {
		return ""
	}
	return item.Integration + "\x00" + string(b)
}

// DeliverBatch delivers items grouped by BatchKey in one bulk call and
// returns one outcome per item. An error fails the group as a whole;
// otherwise each item succeeds, is noted as already in state, or failed
// on its own and is retried alone. Items an earlier claim may have sent
// are checked at the vendor first (checkState), and only those the check
// leaves to send go in the bulk call.
func (e *Engine) DeliverBatch(ctx context.Context, items []store.OutboxItem) ([]outbox.Outcome, error) {
	if len(items) == 0 {
		return nil, nil
	}
	c, err := e.connectorFor(items[0].Integration)
	if err != nil {
		return nil, err
	}
	bs, ok := c.(connector.BatchStateSyncer)
	if !ok {
		return nil, connector.Unsupported
	}
	changes := make([]connector.StateChange, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it.Payload, &changes[i]); err != nil {
			return nil, connector.Permanent("decode state change: %v", err)
		}
	}
	out := make([]outbox.Outcome, len(items))
	var send []int // indexes of the items to send
	for i, it := range items {
		if err := e.membersFirst(ctx, it, changes[i]); err != nil {
			out[i].Err = err
			continue
		}
		if err := e.checkState(ctx, c, it, changes[i]); err != nil {
			out[i].Err = err
			continue
		}
		send = append(send, i)
	}
	if len(send) == 0 {
		return out, nil
	}
	if err := e.sendBatch(ctx, bs, items, changes, send, out); err != nil {
		if len(send) == len(items) {
			return nil, err
		}
		for _, i := range send {
			out[i].Err = err
		}
	}
	return out, nil
}

// sendBatch writes changes[send] in one bulk call and fills their
// outcomes in out.
func (e *Engine) sendBatch(ctx context.Context, bs connector.BatchStateSyncer, items []store.OutboxItem,
	changes []connector.StateChange, send []int, out []outbox.Outcome) error {
	part := make([]connector.StateChange, len(send))
	for j, i := range send {
		part[j] = changes[i]
	}
	results, err := bs.SetStates(ctx, part)
	if err != nil {
		return err
	}
	if len(results) != len(part) {
		return fmt.Errorf("bulk state write answered %d results for %d changes", len(results), len(part))
	}
	for j, i := range send {
		r := results[j]
		if r.Err != nil {
			out[i].Err = r.Err
			continue
		}
		rec := e.writeBackRecord(items[i].Integration, changes[i], r.State)
		if r.State.Unchanged {
			out[i].Err = alreadyInState(r.State, rec)
			continue
		}
		out[i].After = rec
	}
	return nil
}

// MaxBatch is the most items one bulk call for item's integration may
// carry: the connector's own limit (connector.BatchLimit), or no cap.
func (e *Engine) MaxBatch(_ string, item store.OutboxItem) int {
	c, err := e.connectorFor(item.Integration)
	if err != nil {
		return 0
	}
	if l, ok := c.(connector.BatchLimit); ok {
		return l.MaxBatch()
	}
	return 0
}
