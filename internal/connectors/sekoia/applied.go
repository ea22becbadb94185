package sekoia

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
)

// StateApplied reads the alert and reports whether it is in the status
// SetState(ch) would move it to (the workflow comment that carries the
// reason goes with the step that reaches it).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	target, err := checkChange(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	cur, err := c.status(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read sekoia alert %s: %w", ch.VendorID, err)
	}
	name := remoteStatus(cur)
	return name == target.name, connector.RemoteState{RemoteStatus: name}, nil
}

// CommentApplied reports whether one of the alert's comments carries the
// action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	if err := checkComment(a); err != nil {
		return false, err
	}
	done, err := c.commented(ctx, a.VendorID, connector.CommentMarker(a.IdempotencyKey))
	if err != nil {
		return false, fmt.Errorf("read comments of sekoia alert %s: %w", a.VendorID, err)
	}
	return done, nil
}

// Replays: SetState reads the alert first and writes nothing to one in
// the status already; a repeated comment is a second comment.
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
	_ connector.ReplayReporter = (*core)(nil)
)
