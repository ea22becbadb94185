package crowdstrike

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
)

// StateApplied reads the alert (POST /alerts/entities/alerts/v2) and
// reports whether it holds the status and the resolution tag SetState(ch)
// would write. The Alerts API does not return appended comments, so
// there is no comment check: a comment whose answer was lost is sent
// again (its marker lets a reader spot the copy).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	_, status, err := actionsFor(ch, "")
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	w, err := c.alert(ctx, ch.VendorID)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	tag := resolutionFor(ch)
	applied := w.Status == status && (tag == "" || resolutionOf(w) == tag)
	return applied, connector.RemoteState{RemoteStatus: w.Status}, nil
}

// alert reads one alert by its composite id.
func (c *core) alert(ctx context.Context, id string) (alertWire, error) {
	if id == "" {
		return alertWire{}, connector.Permanent("read alert needs a vendor id")
	}
	cl, err := c.api(ctx)
	if err != nil {
		return alertWire{}, err
	}
	var rep combinedReply
	body := map[string][]string{"composite_ids": {id}}
	if err := cl.SendJSON(ctx, http.MethodPost, "alerts/entities/alerts/v2", body, &rep); err != nil {
		return alertWire{}, fmt.Errorf("read crowdstrike alert %s: %w", id, err)
	}
	if len(rep.Errors) > 0 {
		return alertWire{}, fmt.Errorf("read crowdstrike alert %s: %w", id, itemError(rep.Errors[0], cl.Redactor()))
	}
	for _, raw := range rep.Resources {
		var w alertWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return alertWire{}, &connector.Error{Class: connector.ClassRetryable, Message: "decode crowdstrike alert", Err: err}
		}
		if w.CompositeID == id {
			return w, nil
		}
	}
	return alertWire{}, &connector.Error{Class: connector.ClassNotFound, Message: fmt.Sprintf("crowdstrike alert %s not returned", id)}
}

var _ connector.StateChecker = (*core)(nil)
