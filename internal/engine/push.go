package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// ActionPushEvents sends events to an integration's intake (Sekoia.io's
// HTTP intake): the outbound action the API and playbooks call.
const ActionPushEvents = "push_events"

// PushParams asks for one alert or incident to be pushed, as an OCSF
// finding, to an integration that takes events (connector.EventPusher).
type PushParams struct {
	Kind        model.Kind
	ID          int64
	Integration string
	// Key, when set, is the push's idempotency key (a playbook run's
	// step); by default one object at one revision is pushed once to one
	// integration however often it is asked.
	Key string
}

// pushPayload is a push action's outbox payload.
type pushPayload struct {
	Events []connector.PushEvent `json:"events"`
}

// Push queues the object for the integration's intake and returns the
// action's idempotency key; the outbox delivers it with retries.
func (e *Engine) Push(ctx context.Context, p PushParams) (string, error) {
	in, ok := e.Integration(p.Integration)
	if !ok || in.Connector == nil {
		return "", fmt.Errorf("%w: integration %q is not configured", ErrInvalid, p.Integration)
	}
	if _, ok := in.Connector.(connector.EventPusher); !ok {
		return "", fmt.Errorf("%w: integration %q takes no pushed events", ErrInvalid, p.Integration)
	}
	key := p.Key
	err := e.withTx(ctx, func(tx store.Tx) error {
		body, rev, err := findingOf(ctx, tx, p.Kind, p.ID)
		if err != nil {
			return err
		}
		if key == "" {
			key = fmt.Sprintf("%s/push/%s/%d@%d", p.Integration, p.Kind, p.ID, rev)
		}
		b, err := json.Marshal(pushPayload{Events: []connector.PushEvent{{IdempotencyKey: key, Body: body}}})
		if err != nil {
			return fmt.Errorf("encode push: %w", err)
		}
		_, _, err = tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{
			Key: key, Integration: p.Integration, ObjectRef: fmt.Sprintf("intake/%s/%d", p.Kind, p.ID),
			Action: ActionPushEvents, Payload: b, OriginKind: p.Kind, OriginID: p.ID, Now: e.Now(),
			Priority: store.PriorityDecision,
		})
		if err != nil {
			return fmt.Errorf("enqueue push: %w", err)
		}
		return nil
	})
	return key, err
}

// findingOf renders the object as the OCSF finding an intake stores.
func findingOf(ctx context.Context, tx store.Tx, kind model.Kind, id int64) (json.RawMessage, int64, error) {
	switch kind {
	case model.KindAlert:
		a, err := tx.AlertGet(ctx, id)
		if err != nil {
			return nil, 0, fmt.Errorf("get alert %d: %w", id, err)
		}
		b, err := model.AlertOCSF(a)
		return b, a.Revision, err
	case model.KindIncident:
		in, err := tx.IncidentGet(ctx, id)
		if err != nil {
			return nil, 0, fmt.Errorf("get incident %d: %w", id, err)
		}
		members, err := tx.AlertGetMany(ctx, in.AlertIDs)
		if err != nil {
			return nil, 0, fmt.Errorf("get alerts of incident %d: %w", id, err)
		}
		b, err := model.IncidentOCSF(in, members)
		return b, in.Revision, err
	}
	return nil, 0, fmt.Errorf("%w: kind %q", ErrInvalid, kind)
}

func (e *Engine) deliverPush(ctx context.Context, item store.OutboxItem) (Record, error) {
	var p pushPayload
	if err := json.Unmarshal(item.Payload, &p); err != nil {
		return nil, connector.Permanent("decode push: %v", err)
	}
	c, err := e.connectorFor(item.Integration)
	if err != nil {
		return nil, err
	}
	pusher, ok := c.(connector.EventPusher)
	if !ok {
		return nil, connector.Unsupported
	}
	if _, err := pusher.PushEvents(ctx, p.Events); err != nil {
		return nil, err
	}
	return nil, nil
}
