package sentinel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the incident and reports whether it is in the
// status SetState(ch) would PUT. Like SetState, it takes an incident
// already closed as closed, whoever chose its classification.
func (c *Connector) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindIncident {
		return false, connector.RemoteState{}, connector.Permanent("sentinel state sync writes incidents, not %ss", ch.Kind)
	}
	target, err := remoteStatus(ch.Status)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	var cur current
	if err := c.client.GetJSON(ctx, c.incidentRef(ch.VendorID, ""), &cur); err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read sentinel incident %s: %w", ch.VendorID, err)
	}
	var st string
	if raw, ok := cur.Properties["status"]; ok {
		if err := json.Unmarshal(raw, &st); err != nil {
			return false, connector.RemoteState{}, &connector.Error{Class: connector.ClassRetryable, Message: "read incident status", Err: err}
		}
	}
	return st == target, connector.RemoteState{RemoteStatus: st}, nil
}

// Replays: a state write reads the incident first and writes nothing when
// it is in the status already; a comment goes under an id derived from
// its idempotency key (CommentID), so a repeat updates the same comment
// and needs no check.
func (c *Connector) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless, Comment: connector.ReplayDeduplicated}
}

var (
	_ connector.StateChecker   = (*Connector)(nil)
	_ connector.ReplayReporter = (*Connector)(nil)
)
