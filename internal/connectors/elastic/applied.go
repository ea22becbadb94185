package elastic

import (
	"context"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
)

// StateApplied searches the alert's status and close reason and reports
// whether they are what SetState(ch) would leave (the same test SetStates
// makes before writing).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	w, err := writeFor(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	if ch.VendorID == "" {
		return false, connector.RemoteState{}, connector.Permanent("read state needs a vendor id")
	}
	cur, err := c.readStates(ctx, []string{ch.VendorID})
	if err != nil {
		return false, connector.RemoteState{}, fmt.Errorf("read elastic alert %s: %w", ch.VendorID, err)
	}
	st, found := cur[ch.VendorID]
	if !found {
		return false, connector.RemoteState{}, &connector.Error{Class: connector.ClassNotFound, Status: http.StatusNotFound,
			Message: "elastic alert " + ch.VendorID + " not found"}
	}
	applied := st.status == w.status && (w.reason == "" || st.reason == w.reason)
	return applied, connector.RemoteState{RemoteStatus: st.status}, nil
}

// CommentApplied reports whether one of the alert's notes carries the
// action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	if err := checkNote(a); err != nil {
		return false, err
	}
	done, err := c.noted(ctx, a.VendorID, connector.CommentMarker(a.IdempotencyKey))
	if err != nil {
		return false, fmt.Errorf("read notes of elastic alert %s: %w", a.VendorID, err)
	}
	return done, nil
}

// Replays: SetStates reads the alerts first and leaves those already in
// the state, so a repeated state write changes nothing; a repeated note
// is a second note (notes get server-chosen ids).
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
	_ connector.ReplayReporter = (*core)(nil)
)
