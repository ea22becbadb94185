package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// AddComment stores an analyst's comment and, when the source's policy has
// comment sync on, forwards it to the source marked as coming via alertsync.
func (e *Engine) AddComment(ctx context.Context, kind model.Kind, id int64, author model.Actor, body string) (model.Comment, error) {
	c, _, err := e.AddCommentOnce(ctx, kind, id, author, body, "")
	return c, err
}

// MaxRequestKeyLen bounds the Idempotency-Key a client may send.
const MaxRequestKeyLen = 255

// AddCommentOnce is AddComment for a client that may send the same
// comment again because it lost the answer: the first request with a
// request key stores the comment, and every later one with that key on
// the same object returns it (replayed) without storing or forwarding a
// second one. A replay whose body differs is ErrInvalid: the key was
// reused for another comment. An empty key adds a comment each time.
func (e *Engine) AddCommentOnce(ctx context.Context, kind model.Kind, id int64, author model.Actor, body, requestKey string) (c model.Comment, replayed bool, err error) {
	body = strings.TrimSpace(body)
	if err := model.CheckText("body", body, model.MaxCommentLen); err != nil {
		return model.Comment{}, false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := model.CheckText("idempotency key", requestKey, MaxRequestKeyLen); err != nil {
		return model.Comment{}, false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case body == "":
		return model.Comment{}, false, fmt.Errorf("%w: comment body is empty", ErrInvalid)
	case kind != model.KindAlert && kind != model.KindIncident:
		return model.Comment{}, false, fmt.Errorf("%w: kind %q", ErrInvalid, kind)
	}
	err = e.withTx(ctx, func(tx store.Tx) error {
		c = model.Comment{Kind: kind, ObjectID: id, Author: author, Body: body, At: e.Now(), RequestKey: requestKey}
		replayed = false
		integration, vendorID, err := remoteOf(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if requestKey != "" {
			prev, err := tx.CommentByRequestKey(ctx, kind, id, requestKey)
			switch {
			case err == nil && prev.Body != body:
				return fmt.Errorf("%w: idempotency key %q was used for another comment on this %s", ErrInvalid, requestKey, kind)
			case err == nil:
				c, replayed = prev, true
				return nil
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		// Two requests with one key at once: the second insert breaks the
		// unique key, and withTx runs this again, which then finds the
		// first request's comment.
		if err := tx.CommentAdd(ctx, &c); err != nil {
			return fmt.Errorf("add comment: %w", err)
		}
		in, ok := e.Integration(integration)
		if !ok || in.Connector == nil || !in.Policy.CommentSync || !connector.CapabilitiesOf(in.Connector).Comments {
			return nil
		}
		key := fmt.Sprintf("%s/%s/%s/comment/%d", in.ID, kind, vendorID, c.ID)
		act := connector.CommentAction{Kind: kind, VendorID: vendorID, Body: commentText(author, body),
			IdempotencyKey: key, Origin: connector.OriginAnalyst}
		_, err = e.enqueueComment(ctx, tx, remote{in: in, kind: kind, vendorID: vendorID, localID: id}, act, c.At)
		return err
	})
	return c, replayed, err
}

func remoteOf(ctx context.Context, tx store.Tx, kind model.Kind, id int64) (string, string, error) {
	if kind == model.KindAlert {
		a, err := tx.AlertGet(ctx, id)
		if err != nil {
			return "", "", fmt.Errorf("get alert %d: %w", id, err)
		}
		return a.Integration, a.VendorID, nil
	}
	in, err := tx.IncidentGet(ctx, id)
	if err != nil {
		return "", "", fmt.Errorf("get incident %d: %w", id, err)
	}
	return in.Integration, in.VendorID, nil
}
