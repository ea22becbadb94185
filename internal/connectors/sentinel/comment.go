package sentinel

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// commentBody is an IncidentComments_CreateOrUpdate body.
type commentBody struct {
	Properties struct {
		Message string `json:"message"`
	} `json:"properties"`
}

// AddComment puts a comment on an incident under an id derived from the
// idempotency key, so a retried delivery updates the same comment instead
// of posting a second one.
func (c *Connector) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindIncident {
		return connector.Permanent("sentinel comments go on incidents, not %ss", a.Kind)
	}
	if strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("sentinel rejects an empty comment")
	}
	if a.IdempotencyKey == "" {
		return connector.Permanent("comment without idempotency key")
	}
	var body commentBody
	body.Properties.Message = a.Body
	id := CommentID(a.IdempotencyKey)
	if err := c.client.SendJSON(ctx, http.MethodPut, c.incidentRef(a.VendorID, "/comments/"+id), body, nil); err != nil {
		return fmt.Errorf("comment on sentinel incident %s: %w", a.VendorID, err)
	}
	return nil
}

// Microsoft documents, in its guide to investigating Sentinel incidents,
// up to 100 comments per incident of up to 30,000 characters each; the
// ARM spec itself states neither (the fact sheet marks the length [U]), so
// the documented values are used.
const (
	maxCommentsPerIncident = 100
	maxCommentChars        = 30000
)

// CommentLimits tells the engine Sentinel's documented comment limits.
func (c *Connector) CommentLimits(model.Kind) connector.CommentLimits {
	return connector.CommentLimits{MaxPerObject: maxCommentsPerIncident, MaxChars: maxCommentChars}
}

// CommentID is the comment id for an idempotency key: a UUID made of the
// first 16 bytes of sha256(key) with the RFC 9562 version 8 (custom,
// here name-based with SHA-256) and variant bits set.
func CommentID(key string) string {
	s := sha256.Sum256([]byte("alertsync/sentinel/comment/" + key))
	b := s[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
