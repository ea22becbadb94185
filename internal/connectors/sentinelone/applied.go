package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the threat (GET /threats?ids=) or cloud-detection
// alert and reports whether it holds the incident status and analyst
// verdict SetState(ch) would write, as write tokens (what SetState
// reports).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	w, err := writeFor(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	cur, err := c.current(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	applied := cur.status == w.status && (w.verdict == "" || cur.verdict == w.verdict)
	return applied, connector.RemoteState{RemoteStatus: cur.status}, nil
}

// current reads the status and verdict of a threat or cloud-detection
// alert.
func (c *core) current(ctx context.Context, vendorID string) (cloudState, error) {
	if id, cloud := strings.CutPrefix(vendorID, CloudPrefix); cloud {
		if !c.cfg.IncludeCloudDetections {
			return cloudState{}, connector.Permanent("cloud-detection alerts are not enabled (include_cloud_detections)")
		}
		m, err := c.readCloud(ctx, []string{id})
		if err != nil {
			return cloudState{}, fmt.Errorf("read sentinelone cloud-detection alert %s: %w", id, err)
		}
		if s, ok := m[id]; ok {
			return s, nil
		}
		return cloudState{}, &connector.Error{Class: connector.ClassNotFound, Message: "sentinelone lists no cloud-detection alert " + id + " in the token's scope"}
	}
	env, err := c.list(ctx, "threats", c.scope(url.Values{"ids": {vendorID}, "limit": {"1"}}))
	if err != nil {
		return cloudState{}, fmt.Errorf("read sentinelone threat %s: %w", vendorID, err)
	}
	for _, raw := range env.Data {
		var w threatWire
		if json.Unmarshal(raw, &w) == nil && w.ID == vendorID {
			return cloudState{statusToken(w.ThreatInfo.IncidentStatus), statusToken(w.ThreatInfo.AnalystVerdict)}, nil
		}
	}
	return cloudState{}, notInScope(vendorID)
}

// CommentApplied reports whether one of the threat's notes carries the
// action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	if err := checkNote(a); err != nil {
		return false, err
	}
	done, err := c.noted(ctx, a.VendorID, connector.CommentMarker(a.IdempotencyKey))
	if err != nil {
		return false, fmt.Errorf("read notes of sentinelone threat %s: %w", a.VendorID, err)
	}
	return done, nil
}

// Replays: the threat writes report already_set or not_changed for a
// value the threat holds, and cloud-detection writes read first, so a
// repeated state write changes nothing; a repeated note is a second note.
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

// checkNote refuses a note the API cannot take.
func checkNote(a connector.CommentAction) error {
	switch {
	case a.Kind != "" && a.Kind != model.KindAlert:
		return connector.Unsupported
	case strings.HasPrefix(a.VendorID, CloudPrefix):
		return &connector.Error{Class: connector.ClassPermanent, Message: "sentinelone cloud-detection alerts take no notes"}
	case a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "":
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	return nil
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
	_ connector.ReplayReporter = (*core)(nil)
)
