package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

func (e *Engine) deliverState(ctx context.Context, item store.OutboxItem) (Record, error) {
	var ch connector.StateChange
	if err := json.Unmarshal(item.Payload, &ch); err != nil {
		return nil, connector.Permanent("decode state change: %v", err)
	}
	c, err := e.connectorFor(item.Integration)
	if err != nil {
		return nil, err
	}
	ss, ok := c.(connector.StateSyncer)
	if !ok {
		return nil, connector.Unsupported
	}
	if err := e.membersFirst(ctx, item, ch); err != nil {
		return nil, err
	}
	if err := e.checkState(ctx, c, item, ch); err != nil {
		return nil, err
	}
	rs, err := ss.SetState(ctx, ch)
	if err != nil {
		return nil, err
	}
	rec := e.writeBackRecord(item.Integration, ch, rs)
	if rs.Unchanged {
		return nil, alreadyInState(rs, rec)
	}
	return rec, nil
}

// alreadyInState is the delivery record of a write the connector did not
// send because the target already held the state.
func alreadyInState(rs connector.RemoteState, rec Record) error {
	note := "already in state: nothing written"
	if rs.RemoteStatus != "" {
		note = fmt.Sprintf("already in state: the target was %s; nothing written", rs.RemoteStatus)
	}
	return &outbox.Noted{Note: note, After: rec}
}

func recordIncidentWriteBack(ctx context.Context, tx store.Tx, integration, vendorID, remote string, actor model.Actor, reason string, now time.Time) error {
	in, err := tx.IncidentGetByVendor(ctx, integration, vendorID)
	if err != nil || in.RemoteStatus == remote {
		return ignoreNotFound(err)
	}
	in.RemoteStatus = remote
	in.Revision++
	in.LastChangedAt = now
	if err := tx.IncidentUpdate(ctx, in); err != nil {
		return fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	return appendRevision(ctx, tx, model.KindIncident, in.ID, in.Revision, actor, reason, []string{"remote_status"}, in, now)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (e *Engine) deliverComment(ctx context.Context, item store.OutboxItem) (Record, error) {
	var ca connector.CommentAction
	if err := json.Unmarshal(item.Payload, &ca); err != nil {
		return nil, connector.Permanent("decode comment: %v", err)
	}
	c, err := e.connectorFor(item.Integration)
	if err != nil {
		return nil, err
	}
	cm, ok := c.(connector.Commenter)
	if !ok {
		return nil, connector.Unsupported
	}
	if err := e.checkComment(ctx, c, item, ca); err != nil {
		return nil, err
	}
	return nil, cm.AddComment(ctx, ca)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// ForgetWrite is the outbox's dead-letter hook: a state write that will
// never land must not stay in the echo ledger, or a genuine remote change
// to the same value would be taken for our echo.
func (e *Engine) ForgetWrite(ctx context.Context, tx store.Tx, item store.OutboxItem) error {
	if item.Action != ActionSetState {
		return nil
	}
	var ch connector.StateChange
	if err := json.Unmarshal(item.Payload, &ch); err != nil {
		return nil //nolint:nilerr // a payload that does not decode was never written, so no ledger entry names it
	}
	return forgetLedger(ctx, tx, item.Integration, ch.Kind, ch.VendorID, ch.Status)
}
