package sentinel

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// putComment creates the comment with the client's id, or updates its
// message when the id exists: a retried PUT never duplicates a comment.
// Creating a comment changes the incident (commentsCount), so the incident
// gets a new etag and a history row, which is why concurrent comment adds
// make an incident update with an older etag conflict.
// Microsoft documents up to 100 comments per incident, of up to 30,000
// characters each (guide to investigating incidents; not in the ARM spec,
// so the error wording here is the emulator's own).
const (
	MaxCommentsPerIncident = 100
	MaxCommentChars        = 30000
)

func (e *Emulator) putComment(incName, name, message string, author ClientInfo) (Comment, bool, error) {
	if strings.TrimSpace(message) == "" {
		return Comment{}, false, fmt.Errorf("%w: required property 'message' is missing", ErrInvalid)
	}
	if n := utf8.RuneCountInString(message); n > MaxCommentChars {
		return Comment{}, false, fmt.Errorf("%w: the comment is %d characters long; the maximum is %d", ErrInvalid, n, MaxCommentChars)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incName)]
	if !ok {
		return Comment{}, false, fmt.Errorf("put comment on incident %s: %w", incName, ErrNotFound)
	}
	now := e.ticker.Next()
	key := strings.ToLower(name)
	c, exists := in.comments[key]
	if !exists && len(in.comments) >= MaxCommentsPerIncident {
		return Comment{}, false, fmt.Errorf("%w: incident %s already has %d comments, the maximum", ErrInvalid, incName, MaxCommentsPerIncident)
	}
	if !exists {
		c = &Comment{
			ID:   in.inc.ID + "/comments/" + name,
			Name: name,
			Type: "Microsoft.SecurityInsights/incidents/comments",
			Properties: CommentProperties{
				CreatedTimeUtc: now,
				Author:         author,
			},
		}
		in.comments[key] = c
		in.commentOrder = append(in.commentOrder, key)
	}
	c.Etag = e.newEtagLocked()
	c.Properties.Message = message
	c.Properties.LastModifiedTimeUtc = now
	if !exists {
		e.touchLocked(in, in.inc.Properties.Status, author.Name)
	}
	return *c, !exists, nil
}

// listComments returns the incident's comments, oldest first.
func (e *Emulator) listComments(incName string) ([]Comment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incName)]
	if !ok {
		return nil, fmt.Errorf("list comments of incident %s: %w", incName, ErrNotFound)
	}
	out := make([]Comment, 0, len(in.commentOrder))
	for _, k := range in.commentOrder {
		out = append(out, *in.comments[k])
	}
	return out, nil
}

// getComment returns one comment.
func (e *Emulator) getComment(incName, name string) (Comment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incName)]
	if !ok {
		return Comment{}, fmt.Errorf("get comment of incident %s: %w", incName, ErrNotFound)
	}
	c, ok := in.comments[strings.ToLower(name)]
	if !ok {
		return Comment{}, fmt.Errorf("get comment %s: %w", name, ErrNotFound)
	}
	return *c, nil
}

// deleteComment removes a comment.
func (e *Emulator) deleteComment(incName, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incName)]
	if !ok {
		return fmt.Errorf("delete comment of incident %s: %w", incName, ErrNotFound)
	}
	key := strings.ToLower(name)
	if _, ok := in.comments[key]; !ok {
		return fmt.Errorf("delete comment %s: %w", name, ErrNotFound)
	}
	delete(in.comments, key)
	in.commentOrder = slices.DeleteFunc(in.commentOrder, func(k string) bool { return k == key })
	e.touchLocked(in, in.inc.Properties.Status, "")
	return nil
}
