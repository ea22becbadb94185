package sekoia

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// maxCommentPages bounds how many pages of an alert's comments one check
// reads (a hundred comments a page).
const maxCommentPages = 20

// AddComment posts a comment with POST /v1/sic/alerts/{uuid}/comments,
// signed with comment_author and ending with the action's
// connector.CommentMarker. Comments have no client-chosen id; the engine
// asks CommentApplied, which looks for the marker, before it sends again
// a comment whose first answer was lost. The alert is read first to
// check its community.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if err := checkComment(a); err != nil {
		return err
	}
	if _, err := c.status(ctx, a.VendorID); err != nil {
		return fmt.Errorf("read sekoia alert %s: %w", a.VendorID, err)
	}
	body := commentBody{Content: connector.Marked(a.Body, a.IdempotencyKey), Author: c.cfg.CommentAuthor}
	if err := c.send(ctx, http.MethodPost, "alerts/"+url.PathEscape(a.VendorID)+"/comments", permComment, body, nil); err != nil {
		return fmt.Errorf("comment on sekoia alert %s: %w", a.VendorID, err)
	}
	return nil
}

// checkComment refuses a comment the API cannot take.
func checkComment(a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != model.KindAlert {
		return connector.Unsupported
	}
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	return nil
}

// commented reports whether alert id has a comment containing mark.
func (c *core) commented(ctx context.Context, id, mark string) (bool, error) {
	offset := 0
	for range maxCommentPages {
		var rep commentsReply
		q := url.Values{"limit": {strconv.Itoa(maxLimit)}, "offset": {strconv.Itoa(offset)}}
		if err := c.get(ctx, "alerts/"+url.PathEscape(id)+"/comments", q, permView, &rep); err != nil {
			return false, err
		}
		for _, cm := range rep.Items {
			if strings.Contains(cm.Content, mark) {
				return true, nil
			}
		}
		offset += len(rep.Items)
		if len(rep.Items) == 0 || offset >= rep.Total {
			return false, nil
		}
	}
	return false, connector.Permanent("sekoia alert %s has more comments than alertsync reads (%d pages)", id, maxCommentPages)
}
