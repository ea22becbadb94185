package mde

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// StateApplied reads the alert (GET /api/alerts/{id}) and reports whether
// it holds the status, classification and determination SetState(ch)
// would PATCH, or carries the comment of ch's reason: the PATCH sets
// state and comment together, so the marker alone proves it landed, even
// when a person has changed the state since (the write is then reported
// with the status it set, so the echo ledger does not take that person's
// change for alertsync's).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	want, err := updateFor(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	a, err := c.get(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read mde alert %s: %w", ch.VendorID, err)
	}
	if a.Status == want.Status && matches(a.Classification, want.Classification) && matches(a.Determination, want.Determination) {
		return true, connector.RemoteState{RemoteStatus: a.Status}, nil
	}
	if strings.TrimSpace(ch.Reason) != "" && !ch.CommentQueued && hasMarker(a, ch.IdempotencyKey) {
		return true, connector.RemoteState{RemoteStatus: want.Status}, nil
	}
	return false, connector.RemoteState{RemoteStatus: a.Status}, nil
}

// matches compares a stored property with a written one; a property the
// write leaves out ("") matches anything.
func matches(stored *string, written string) bool {
	return written == "" || (stored != nil && *stored == written)
}

// CommentApplied reads the alert and reports whether a comment carries
// the action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	al, err := c.get(ctx, a.VendorID)
	if err != nil {
		return false, fmt.Errorf("read mde alert %s comments: %w", a.VendorID, err)
	}
	return hasMarker(al, a.IdempotencyKey), nil
}

func hasMarker(a alertWire, idempotencyKey string) bool {
	mark := connector.CommentMarker(idempotencyKey)
	for _, cm := range a.Comments {
		if strings.Contains(cm.Comment, mark) {
			return true
		}
	}
	return false
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
)
