package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxNotePages bounds how many pages of a threat's notes one check reads
// (a thousand notes a page).
const maxNotePages = 20

// AddComment adds a note to a threat with POST /threats/notes, marked
// with the action's connector.CommentMarker. Notes have no client-chosen
// id; nothing is read first: the engine asks CommentApplied before it
// sends again a note whose first answer was lost. Cloud-detection alerts
// have no notes endpoint, so a comment on one is unsupported.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if err := checkNote(a); err != nil {
		return err
	}
	ans, err := c.post(ctx, "threats/notes", []string{a.VendorID}, noteData{Text: connector.Marked(a.Body, a.IdempotencyKey)})
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
