package defendercloud

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the alert's status and reports whether it is the
// status SetState(ch)'s action leaves it in. Defender for Cloud alerts
// take no comments, so there is no comment check.
func (c *Connector) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return false, connector.RemoteState{}, connector.Permanent("defender for cloud has alerts only, not %ss", ch.Kind)
	}
	_, remote, err := actionFor(ch.Status, ch.Verdict)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	id, err := c.armID(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("find defender for cloud alert %s: %w", ch.VendorID, err)
	}
	cur, err := c.status(ctx, id)
	if err != nil {
		return false, connector.RemoteState{}, c.gone(ch.VendorID, fmt.Errorf("read defender for cloud alert %s: %w", ch.VendorID, err))
	}
	return cur == remote, connector.RemoteState{RemoteStatus: cur}, nil
}

// Replays: a state action sent again leaves the alert in the same status
// (and SetState reads first, sending nothing then).
func (c *Connector) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*Connector)(nil)
	_ connector.ReplayReporter = (*Connector)(nil)
)
