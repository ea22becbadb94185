package lacework

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the alert's status and reports whether SetState(ch)
// would find nothing left to write (see decide): a closing change is
// applied once the alert is closed, which Lacework never undoes. A change
// SetState would refuse is reported not applied, so SetState says why.
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return false, connector.RemoteState{}, connector.Unsupported
	}
	if !validID(ch.VendorID) {
		return false, connector.RemoteState{}, connector.Permanent("lacework alert ids are numbers, not %q", ch.VendorID)
	}
	cur, err := c.remoteStatus(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read lacework alert %s: %w", ch.VendorID, err)
	}
	_, write, err := decide(ch, cur)
	return err == nil && !write, connector.RemoteState{RemoteStatus: cur}, nil
}

// CommentApplied reports whether an entry of the alert's timeline carries
// the action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	if err := checkComment(a); err != nil {
		return false, err
	}
	done, err := c.commented(ctx, a.VendorID, connector.CommentMarker(a.IdempotencyKey))
	if err != nil {
		return false, fmt.Errorf("read timeline of lacework alert %s: %w", a.VendorID, err)
	}
	return done, nil
}

// Replays: SetState reads the alert first and a closed alert is never
// closed again, so a repeated state write changes nothing; a repeated
// comment is a second comment.
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
	_ connector.ReplayReporter = (*core)(nil)
)
