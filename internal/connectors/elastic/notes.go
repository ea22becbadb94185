package elastic

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// CommentMarker is the tag appended to every note alertsync writes,
// derived from the action's idempotency key. Notes get server-chosen ids,
// so before writing, the connector reads the alert's notes and writes
// nothing when one already has the marker: a retried action whose first
// attempt landed does not note twice.
func CommentMarker(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "[alertsync:" + hex.EncodeToString(sum[:])[:12] + "]"
}

// AddComment adds a note to the alert (PATCH /api/note with the alert's
// _id as eventId), the note the alert flyout's Notes tab shows, unless a
// note with its marker is there. Kibana alerts have no comments of their
// own; cases would need a case per alert (see docs/mappings.md).
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	mark := CommentMarker(a.IdempotencyKey)
	done, err := c.noted(ctx, a.VendorID, mark)
	if err != nil {
		return fmt.Errorf("read notes of elastic alert %s: %w", a.VendorID, err)
	}
	if done {
		c.log.DebugContext(ctx, "elastic note already posted", "vendor_id", a.VendorID)
		return nil
	}
	var body noteBody
	body.Note.EventID, body.Note.Note = a.VendorID, a.Body+" "+mark
	if err := c.send(ctx, http.MethodPatch, noteRef, body, nil); err != nil {
		return fmt.Errorf("add note to elastic alert %s: %w", a.VendorID, err)
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
