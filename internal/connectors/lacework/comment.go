package lacework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// AddComment adds a comment with POST /api/v2/Alerts/{id}/comment,
// marked with the action's connector.CommentMarker. Lacework comments
// have no client-chosen id; the engine asks CommentApplied, which reads
// the alert's Timeline scope for the marker, before it sends again a
// comment whose first answer was lost.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if err := checkComment(a); err != nil {
		return err
	}
	body := commentBody{Comment: connector.Marked(a.Body, a.IdempotencyKey)}
	if err := c.client.SendJSON(ctx, http.MethodPost, "api/v2/Alerts/"+a.VendorID+"/comment", body, nil); err != nil {
		return fmt.Errorf("comment on lacework alert %s: %w", a.VendorID, err)
	}
	return nil
}

// checkComment refuses a comment the API cannot take.
func checkComment(a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if !validID(a.VendorID) || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a lacework alert id, an idempotency key and a body")
	}
	return nil
}

// commented reports whether alert id's timeline has an entry containing
// mark.
func (c *core) commented(ctx context.Context, id, mark string) (bool, error) {
	var rep scopeReply
	if err := c.client.GetJSON(ctx, "api/v2/Alerts/"+id+"?"+url.Values{"scope": {"Timeline"}}.Encode(), &rep); err != nil {
		return false, err
	}
	var entries []timelineWire
	if len(rep.Data) > 0 && string(rep.Data) != "null" {
		if err := json.Unmarshal(rep.Data, &entries); err != nil {
			return false, &connector.Error{Class: connector.ClassRetryable, Message: "decode timeline", Err: err}
		}
	}
	for _, e := range entries {
		if strings.Contains(e.Message.Value, mark) {
			return true, nil
		}
	}
	return false, nil
}

// Health exchanges the key for a token (when none is cached) and lists
// the last minute's alerts, the cheapest call the API has.
func (c *core) Health(ctx context.Context) error {
	now := c.deps.Now().UTC()
	ref := "api/v2/Alerts?" + url.Values{
		"startTime": {now.Add(-time.Minute).Format(apiTime)}, "endTime": {now.Format(apiTime)},
	}.Encode()
	if err := c.client.GetJSON(ctx, ref, nil); err != nil {
		return fmt.Errorf("lacework health: %w", err)
	}
	return nil
}
