package api_test

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// deadItem enqueues an outbox item on its own remote object, claims it and
// finishes it dead, as a worker would after the last failed attempt. Any
// other item the claim leased is put back to pending.
func (e *env) deadItem(name string) int64 {
	e.t.Helper()
	now := e.clock.Now()
	var id int64
	err := e.store.WithTx(e.ctx, func(tx store.Tx) error {
		var err error
		id, _, err = tx.OutboxEnqueue(e.ctx, store.OutboxEnqueueParams{
			Key: "test/" + name, Integration: "fake", ObjectRef: "alert:dead-" + name, Action: "set_state",
			Payload: json.RawMessage(`{"kind":"alert","vendor_id":"a3"}`), OriginKind: model.KindAlert,
			OriginID: e.ids["a3"], Now: now,
		})
		return err
	})
	if err != nil {
		e.t.Fatalf("enqueue: %v", err)
	}
	claimed, err := e.store.OutboxClaim(e.ctx, store.OutboxClaimParams{Owner: "test", Now: now, Lease: time.Minute, Limit: 1000})
	if err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	var results []store.OutboxResult
	for _, it := range claimed {
		r := store.OutboxResult{ID: it.ID, State: store.OutboxPending, NextAttemptAt: now, Now: now}
		if it.ID == id {
			r.State, r.Error = store.OutboxDead, "vendor said no"
		}
		results = append(results, r)
	}
	if err := e.store.OutboxFinish(e.ctx, "test", results); err != nil {
		e.t.Fatalf("finish: %v", err)
	}
	it, err := e.store.OutboxGet(e.ctx, id)
	if err != nil || it.State != store.OutboxDead {
		e.t.Fatalf("item %d not dead: %+v %v", id, it, err)
	}
	return id
}
