package crowdstrike

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/model"
)

// maxBatch is how many composite_ids one PATCH carries [U: CrowdStrike
// documents no cap; 1,000 is the cap commonly cited for the entities
// calls, and the emulator enforces the same].
const maxBatch = 1000

// MaxBatch tells the outbox how many alerts one write may group.
func (c *core) MaxBatch() int { return c.batchMax }

// SetState writes one change; see SetStates.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	res, err := c.SetStates(ctx, []connector.StateChange{ch})
	if err != nil {
		return connector.RemoteState{}, err
	}
	return res[0].State, res[0].Err
}

// SetStates writes changes that agree in everything but the alert with
// PATCH /alerts/entities/alerts/v3, batchMax alerts a call: update_status,
// the resolution tag (see verdict.go) and, unless comment sync posts it
// (CommentQueued), the reason as append_comment marked with the first
// change's idempotency key. An alert the service names in errors[] fails
// on its own; a call that fails as a whole fails its alerts (or, when it
// is the only call, returns the error).
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	comment := ""
	if first := changes[0]; strings.TrimSpace(first.Reason) != "" && !first.CommentQueued {
		comment = connector.Marked(first.Reason, first.IdempotencyKey)
	}
	acts, status, err := actionsFor(changes[0], comment)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(changes))
	for i, ch := range changes {
		if ch.VendorID == "" {
			return nil, connector.Permanent("set state needs a vendor id")
		}
		ids[i] = ch.VendorID
	}
	out := make([]connector.ItemResult, 0, len(ids))
	for start := 0; start < len(ids); start += c.batchMax {
		chunk := ids[start:min(start+c.batchMax, len(ids))]
		failed, err := c.patch(ctx, chunk, acts)
		if err != nil && len(chunk) == len(ids) {
			return nil, err
		}
		for _, id := range chunk {
			r := connector.ItemResult{State: connector.RemoteState{RemoteStatus: status}, Err: err}
			if e, ok := failed[id]; ok {
				r.Err = e
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// patch sends one PATCH and returns the alerts errors[] names, each with
// its error. Errors naming no alert of the call fail the call.
func (c *core) patch(ctx context.Context, ids []string, acts []action) (map[string]error, error) {
	cl, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	var rep patchReply
	if err := cl.SendJSON(ctx, http.MethodPatch, "alerts/entities/alerts/v3", patchBody{ids, acts}, &rep); err != nil {
		return nil, fmt.Errorf("update %d crowdstrike alerts: %w", len(ids), err)
	}
	in := make(map[string]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	failed := map[string]error{}
	for _, e := range rep.Errors {
		ce := itemError(e, cl.Redactor())
		if !in[e.ID] {
			return nil, fmt.Errorf("update %d crowdstrike alerts: %w", len(ids), ce)
		}
		failed[e.ID] = fmt.Errorf("update crowdstrike alert %s: %w", e.ID, ce)
	}
	return failed, nil
}

// itemError classifies one errors[] entry by its code, as the HTTP kit
// would a whole answer with that status.
func itemError(e apiError, r *httpkit.Redactor) error {
	cls := httpkit.ClassForStatus(e.Code)
	if cls == "" {
		cls = connector.ClassRetryable
	}
	return &connector.Error{Class: cls, Status: e.Code, Message: r.String(e.Message)}
}

// AddComment appends a comment with PATCH's append_comment, marked with
// the action's connector.CommentMarker, and in the same call adds the
// tag refTag(key). The Alerts API returns no comments (detects.Alert has
// no such property; whether the service returns them is unconfirmed, so
// we take the documented model), but it returns tags: the tag, applied
// with the comment or not at all, is what CommentApplied reads back to
// tell that a comment whose answer was lost landed.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if a.VendorID == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id and a body")
	}
	body := connector.Marked(a.Body, a.IdempotencyKey)
	failed, err := c.patch(ctx, []string{a.VendorID}, []action{{"append_comment", body}, {"add_tag", refTag(a.IdempotencyKey)}})
	if err != nil {
		return fmt.Errorf("comment on crowdstrike alert: %w", err)
	}
	return failed[a.VendorID]
}

// Health fetches a token (discovering the cloud on first use) and lists
// one alert id.
func (c *core) Health(ctx context.Context) error {
	cl, err := c.api(ctx)
	if err == nil {
		q := url.Values{"limit": {"1"}}
		err = cl.GetJSON(ctx, "alerts/queries/alerts/v2?"+q.Encode(), nil)
	}
	if err != nil {
		return fmt.Errorf("crowdstrike health: %w", err)
	}
	return nil
}
