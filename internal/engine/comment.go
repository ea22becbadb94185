package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// AddComment stores an analyst's comment and, when the source's policy has
// comment sync on, forwards it to the source marked as coming via alertsync.
func (e *Engine) AddComment(ctx context.Context, kind model.Kind, id int64, author model.Actor, body string) (model.Comment, error) {
	body = strings.TrimSpace(body)
	if err := model.CheckText("body", body, model.MaxCommentLen); err != nil {
		return model.Comment{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case body == "":
		return model.Comment{}, fmt.Errorf("%w: comment body is empty", ErrInvalid)
	case kind != model.KindAlert && kind != model.KindIncident:
		return model.Comment{}, fmt.Errorf("%w: kind %q", ErrInvalid, kind)
	}
	c := model.Comment{Kind: kind, ObjectID: id, Author: author, Body: body, At: e.Now()}
	err := e.withTx(ctx, func(tx store.Tx) error {
		integration, vendorID, err := remoteOf(ctx, tx, kind, id)
		if err != nil {
			return err
		}
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
	return c, err
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
