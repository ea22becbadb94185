package crowdstrike

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// StateApplied reads the alert (POST /alerts/entities/alerts/v2) and
// reports whether it holds the status and the resolution tag SetState(ch)
// would write.
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

// refTagPrefix starts the tag AddComment adds beside each comment; the
// rest is the comment marker's 12 hex digits. Letters, digits and
// underscores only, as the console's own tags are (what else a tag may
// hold is not documented).
const refTagPrefix = "alertsync_ref_"

// refTag is the tag of the comment of the action with this key.
func refTag(idempotencyKey string) string {
	m := connector.CommentMarker(idempotencyKey) // "[alertsync:<12 hex>]"
	return refTagPrefix + strings.TrimSuffix(strings.TrimPrefix(m, "[alertsync:"), "]")
}

// CommentApplied reads the alert and reports whether it carries the tag
// AddComment adds with the comment in one call: comments themselves are
// not returned by the Alerts API.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return false, connector.Unsupported
	}
	w, err := c.alert(ctx, a.VendorID)
	if err != nil {
		return false, err
	}
	return slices.Contains(w.Tags, refTag(a.IdempotencyKey)), nil
}

var (
	_ connector.StateChecker   = (*core)(nil)
	_ connector.CommentChecker = (*core)(nil)
)
