package elastic

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// AddComment adds a note to the alert (PATCH /api/note with the alert's
// _id as eventId), the note the alert flyout's Notes tab shows, marked
// with the action's connector.CommentMarker. Notes get server-chosen ids;
// nothing is read first: the engine asks CommentApplied before it sends
// again a note whose first answer was lost. Kibana alerts have no
// comments of their own; cases would need a case per alert (see
// docs/mappings.md).
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if err := checkNote(a); err != nil {
		return err
	}
	var body noteBody
	body.Note.EventID, body.Note.Note = a.VendorID, connector.Marked(a.Body, a.IdempotencyKey)
	if err := c.send(ctx, http.MethodPatch, noteRef, body, nil); err != nil {
		return fmt.Errorf("add note to elastic alert %s: %w", a.VendorID, err)
	}
	return nil
}

// checkNote refuses a note the API cannot take.
func checkNote(a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	return nil
}

// noted reports whether the alert has a note carrying mark.
func (c *core) noted(ctx context.Context, id, mark string) (bool, error) {
	var resp notesResponse
	if err := c.client.GetJSON(ctx, noteRef+"?documentIds="+url.QueryEscape(id), &resp); err != nil {
		return false, err
	}
	for _, n := range resp.Notes {
		if n.Note != nil && strings.Contains(*n.Note, mark) {
			return true, nil
		}
	}
	return false, nil
}
