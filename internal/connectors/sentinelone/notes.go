package sentinelone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// maxNotePages bounds how many pages of a threat's notes one check reads
// (a thousand notes a page).
const maxNotePages = 20

// CommentMarker is the tag appended to every note alertsync writes,
// derived from the action's idempotency key. Notes have no client-chosen
// id, so AddComment first reads the threat's notes and skips the write
// when one carries the marker: a retried action whose first attempt
// landed does not note twice.
func CommentMarker(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "[alertsync:" + hex.EncodeToString(sum[:])[:12] + "]"
}

// AddComment adds a note to a threat with POST /threats/notes, unless a
// note with the action's marker is there already. Cloud-detection alerts
// have no notes endpoint, so a comment on one is unsupported.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if strings.HasPrefix(a.VendorID, CloudPrefix) {
		return &connector.Error{Class: connector.ClassPermanent, Message: "sentinelone cloud-detection alerts take no notes"}
	}
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	mark := CommentMarker(a.IdempotencyKey)
	done, err := c.noted(ctx, a.VendorID, mark)
	if err != nil {
		return fmt.Errorf("read notes of sentinelone threat %s: %w", a.VendorID, err)
	}
	if done {
		c.log.DebugContext(ctx, "sentinelone note already posted", "vendor_id", a.VendorID)
		return nil
	}
	ans, err := c.post(ctx, "threats/notes", []string{a.VendorID}, noteData{Text: a.Body + " " + mark})
	if err != nil {
		return fmt.Errorf("add note to sentinelone threat %s: %w", a.VendorID, err)
	}
	if ans.Data.Affected == 0 {
		return notInScope(a.VendorID)
	}
	return nil
}

// noted reports whether threat id has a note containing mark.
func (c *core) noted(ctx context.Context, id, mark string) (bool, error) {
	q := url.Values{"limit": {limit(maxLimit)}}
	for range maxNotePages {
		env, err := c.list(ctx, "threats/"+url.PathEscape(id)+"/notes", q)
		if err != nil {
			return false, err
		}
		for _, raw := range env.Data {
			var n noteWire
			if json.Unmarshal(raw, &n) == nil && strings.Contains(n.Text, mark) {
				return true, nil
			}
		}
		if env.next() == "" {
			return false, nil
		}
		q.Set("cursor", env.next())
	}
	return false, connector.Permanent("threat %s has more notes than alertsync reads (%d pages)", id, maxNotePages)
}
