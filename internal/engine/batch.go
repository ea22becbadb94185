package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
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
// returns one Record per item. The group succeeds or fails as a whole.
func (e *Engine) DeliverBatch(ctx context.Context, items []store.OutboxItem) ([]Record, error) {
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
	states, err := bs.SetStates(ctx, changes)
	if err != nil {
		return nil, err
	}
	if len(states) != len(items) {
		return nil, fmt.Errorf("bulk state write answered %d results for %d changes", len(states), len(items))
	}
	recs := make([]Record, len(items))
	for i, it := range items {
		recs[i] = e.writeBackRecord(it.Integration, changes[i], states[i])
	}
	return recs, nil
}
