package cortexxdr

import (
	"context"
	"fmt"
	"strconv"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the alert's resolution_status (or the incident's
// status) and reports whether SetState(ch) would find it in the state
// already (alreadyIn). There is no comment check: an alert's comment
// replaces its one resolution comment, so the same text again changes
// nothing, and an incident's comment thread cannot be read through the
// API, so a comment whose answer was lost is sent again.
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	write, err := writeStatus(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	if ch.Kind == model.KindIncident {
		cur, err := c.incidentStatus(ctx, ch.VendorID)
		if err != nil {
			return false, connector.RemoteState{}, fmt.Errorf("read cortex xdr incident %s: %w", ch.VendorID, err)
		}
		return alreadyIn(incidentStatus(cur), write), connector.RemoteState{RemoteStatus: cur}, nil
	}
	if _, err := strconv.ParseInt(ch.VendorID, 10, 64); err != nil {
		return false, connector.RemoteState{}, connector.Permanent("cortex xdr alert id %q is not a number", ch.VendorID)
	}
	current, err := c.alertStatuses(ctx, []string{ch.VendorID})
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read cortex xdr alert %s: %w", ch.VendorID, err)
	}
	cur, ok := current[ch.VendorID]
	if !ok {
		return false, connector.RemoteState{}, &connector.Error{Class: connector.ClassNotFound, Message: "cortex xdr has no alert " + ch.VendorID}
	}
	return alreadyIn(alertStatus(cur), write), connector.RemoteState{RemoteStatus: cur}, nil
}

// Replays: alerts and incidents are read before a state write and left
// alone when already in the state, so a repeated state write changes
// nothing.
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.ReplayReporter = (*core)(nil)
)
